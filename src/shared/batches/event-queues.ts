import { Queue } from 'bullmq';
import { quietQueue } from '../queue/queues.ts';
import type { Redis } from '../redis/connections.ts';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { createWebhookQueue, type WebhookPayload } from '../webhooks/webhook-queue.ts';

/**
 * Work that follows a job's end, on queues of its own so it never delays a job: webhook
 * deliveries, and finalizing a batch that just completed (results file, manifest,
 * batch.completed), which can take seconds for a large batch.
 */
export const BATCH_FINALIZE_QUEUE = 'batch-finalize';

export const finalizePayloadSchema = z.object({
  batch_id: z.string(),
  /** The completion to finalize; a later completion supersedes it. */
  generation: z.number().int().positive(),
});
export type FinalizePayload = z.infer<typeof finalizePayloadSchema>;

export interface EventQueues {
  webhooks: Queue<WebhookPayload>;
  finalize: Queue<FinalizePayload>;
}

export type EventQueueConfig = Pick<
  Config,
  'QUEUE_PREFIX' | 'WEBHOOK_ATTEMPTS' | 'WEBHOOK_BACKOFF_MS'
>;

/** Producer (and consumer) side of both queues, on `connection`. */
export function createEventQueues(connection: Redis, config: EventQueueConfig): EventQueues {
  return {
    webhooks: createWebhookQueue(connection, {
      prefix: config.QUEUE_PREFIX,
      attempts: config.WEBHOOK_ATTEMPTS,
      backoffMs: config.WEBHOOK_BACKOFF_MS,
    }),
    finalize: quietQueue(
      new Queue<FinalizePayload>(BATCH_FINALIZE_QUEUE, {
        connection,
        prefix: config.QUEUE_PREFIX,
        defaultJobOptions: {
          // Storage or Redis trouble while writing results: try again, the writes are idempotent.
          attempts: 10,
          backoff: { type: 'exponential', delay: 1_000 },
          removeOnComplete: { age: 24 * 3600 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      }),
    ),
  };
}

/** Queues a batch's finalization; once per completion (BullMQ job id). */
export async function enqueueFinalize(
  queues: EventQueues,
  payload: FinalizePayload,
): Promise<void> {
  await queues.finalize.add('finalize', payload, {
    jobId: `${payload.batch_id}-g${payload.generation}`,
  });
}

export async function closeEventQueues(queues: EventQueues): Promise<void> {
  await Promise.all([queues.webhooks.close(), queues.finalize.close()]);
}
