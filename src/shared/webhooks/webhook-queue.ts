import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from '../redis/connections.ts';
import { z } from 'zod';
import { quietQueue } from '../queue/queues.ts';
import { WEBHOOK_EVENTS, type WebhookEvent } from './webhook-events.ts';

/**
 * Deliveries have their own queue: a slow or dead receiver must never hold a job's upstream
 * slot or delay other jobs, and retries with backoff are exactly what BullMQ does well.
 */
export const WEBHOOK_QUEUE = 'webhooks';

/** One event to one URL. The body is fixed when the event happens; only its signature is fresh. */
export const webhookPayloadSchema = z.object({
  /** `webhook-id`: derived from the event, so enqueuing the same event twice is one delivery. */
  message_id: z.string(),
  event: z.enum(WEBHOOK_EVENTS),
  /** The record whose `webhook_deliveries` shows the attempts. */
  subject: z.object({ kind: z.enum(['job', 'batch']), id: z.string() }),
  url: z.string(),
  /** The exact JSON body signed and sent (no secrets: ids, statuses, output sizes and hashes). */
  body: z.string(),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

export interface WebhookQueueSettings {
  prefix: string;
  attempts: number;
  backoffMs: number;
}

/** Retries with exponential backoff and jitter, so a receiver coming back is not stampeded. */
export function webhookJobOptions(settings: WebhookQueueSettings): JobsOptions {
  return {
    attempts: settings.attempts,
    backoff: { type: 'exponential', delay: settings.backoffMs, jitter: 0.5 },
    // The attempts are recorded on the job or batch; BullMQ's copy is only the work item.
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

export function createWebhookQueue(
  connection: Redis,
  settings: WebhookQueueSettings,
): Queue<WebhookPayload> {
  return quietQueue(
    new Queue<WebhookPayload>(WEBHOOK_QUEUE, {
      connection,
      prefix: settings.prefix,
      defaultJobOptions: webhookJobOptions(settings),
    }),
  );
}

/** A message id both unique per event and stable across re-announcements of it. */
export function messageId(event: WebhookEvent, subjectId: string, occurrence: string): string {
  return `msg_${subjectId}_${event.replace('.', '_')}_${occurrence}`;
}

/** Queues a delivery; a second call for the same message is ignored (BullMQ job id). */
export async function enqueueDelivery(
  queue: Queue<WebhookPayload>,
  payload: WebhookPayload,
): Promise<void> {
  await queue.add(payload.event, payload, { jobId: payload.message_id });
}
