import type { Redis } from '../redis/connections.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { isFinished, type JobStatus } from '../jobs/job-types.ts';
import { redisKeys } from '../redis/keys.ts';
import {
  eventBody,
  jobEventData,
  jobEventOf,
  type WebhookEvent,
} from '../webhooks/webhook-events.ts';
import { enqueueDelivery, messageId } from '../webhooks/webhook-queue.ts';
import { webhookTargetSchema, type WebhookTarget } from '../webhooks/webhook-target.ts';
import { BatchCounts } from './batch-counts.ts';
import { batchKeys } from './batch-keys.ts';
import { BatchStore } from './batch-store.ts';
import { toBatchView } from './batch-view.ts';
import {
  closeEventQueues,
  createEventQueues,
  enqueueFinalize,
  type EventQueueConfig,
  type EventQueues,
} from './event-queues.ts';

export interface JobEventsDeps {
  redis: Redis;
  /** QUEUE_PREFIX: the batch keys live beside the job keys. */
  prefix: string;
  queues: EventQueues;
}

/** The record fields the status hooks read. */
export type JobRef = Pick<JobRecord, 'id' | 'batch_id'>;

/**
 * What follows a job's status changes, for the two places that change them (the worker and the
 * API's cancel/retry): batch counts, batch completion, job webhooks. Every method is idempotent
 * (counts are synced, not incremented; deliveries and finalizations have ids derived from the
 * event), so calling one twice, or again after it threw, is always safe: that is the recovery.
 * Jobs outside a batch and without a webhook cost nothing (no Redis call).
 */
export class JobEvents {
  readonly #counts: BatchCounts;

  constructor(private readonly deps: JobEventsDeps) {
    this.#counts = new BatchCounts(deps.redis, redisKeys(deps.prefix), batchKeys(deps.prefix));
  }

  /** queued → running (the worker's claim): the batch's `running` count and start time. */
  async started(record: JobRef): Promise<void> {
    await this.changed(record);
  }

  /**
   * Any other status change of a job that did not finish it (back to `queued` for a retry or a
   * backoff): the counts move, and a completed batch reopens when one of its jobs is re-queued.
   */
  async changed(record: JobRef): Promise<void> {
    await this.#sync(record);
  }

  /**
   * The job reached succeeded, failed or canceled. `record` is the job as it is now (read after
   * the transition): the event announces that state.
   */
  async finished(record: JobRecord): Promise<void> {
    await Promise.all([this.changed(record), this.announceFinished(record)]);
  }

  /**
   * The batch counts' half of {@link finished}, for a finisher that sends it right behind its
   * commit, on the same connection, so that both share one round trip. False when the sync
   * did not find the job finished: it ran before the commit (a command resent after a
   * reconnect, or a Cluster node other than the commit's), and the caller must sync again
   * once the commit is in, or the counts would hold the job running for good.
   */
  async countFinished(record: JobRef): Promise<boolean> {
    const counted = await this.#sync(record);
    return counted === null || isFinished(counted);
  }

  /** The webhook half of {@link finished}: the job's event, if its request named a webhook. */
  async announceFinished(record: JobRecord): Promise<void> {
    const target = jobWebhook(record);
    const event = jobEventOf(record.status);
    if (target === null || event === null) return;
    await enqueueDelivery(this.deps.queues.webhooks, {
      message_id: finishMessageId(event, record),
      event,
      subject: { kind: 'job', id: record.id },
      url: target.url,
      body: eventBody(event, jobEventData(record)),
    });
  }

  /** The batch's budget is spent (its `pause`-th pause): batch.paused to its webhook. */
  async batchPaused(batchId: string, pause: number): Promise<void> {
    const batch = await new BatchStore(this.deps.redis, batchKeys(this.deps.prefix)).get(batchId);
    if (!batch?.record.webhook) return;
    await enqueueDelivery(this.deps.queues.webhooks, {
      message_id: messageId('batch.paused', batchId, `p${pause}`),
      event: 'batch.paused',
      subject: { kind: 'batch', id: batchId },
      url: batch.record.webhook.url,
      body: eventBody('batch.paused', toBatchView(batch.record, batch.state)),
    });
  }

  /** Syncs the job's batch counts (finalizing a batch it completed); the status counted. */
  async #sync(record: JobRef): Promise<JobStatus | null> {
    if (record.batch_id === null) return null;
    const sync = await this.#counts.sync(record.batch_id, record.id);
    if (sync.finalize)
      await enqueueFinalize(this.deps.queues, {
        batch_id: record.batch_id,
        generation: sync.generation,
      });
    return sync.counted;
  }
}

/**
 * The message of a finish's event. One event per finish: a job retried and finished again
 * announces again, a duplicate announcement of the same finish is the same message.
 */
function finishMessageId(event: WebhookEvent, record: JobRecord): string {
  return messageId(event, record.id, String(Date.parse(record.finished_at ?? '') || 0));
}

/** Every webhook message of the job: those attempted so far and its last finish's. */
export function jobWebhookMessageIds(record: JobRecord): string[] {
  const ids = new Set((record.webhook_deliveries ?? []).map((delivery) => delivery.message_id));
  const event = jobEventOf(record.status);
  if (event !== null && jobWebhook(record) !== null) ids.add(finishMessageId(event, record));
  return [...ids];
}

/** The job's webhook, if its request named one (batch items inherit `defaults.webhook`). */
export function jobWebhook(record: JobRecord): WebhookTarget | null {
  const parsed = webhookTargetSchema.safeParse((record.request as { webhook?: unknown }).webhook);
  return parsed.success ? parsed.data : null;
}

/** JobEvents with the event queues it produces to, opened on `redis`; close them with it. */
export interface OpenJobEvents {
  events: JobEvents;
  queues: EventQueues;
  close(): Promise<void>;
}

/**
 * Opens the event queues on `redis` and a JobEvents producing to them: one per process role
 * (the intake's fail-fast connection, or a worker connection).
 */
export function openJobEvents(redis: Redis, config: EventQueueConfig): OpenJobEvents {
  const queues = createEventQueues(redis, config);
  return {
    events: new JobEvents({ redis, prefix: config.QUEUE_PREFIX, queues }),
    queues,
    close: () => closeEventQueues(queues),
  };
}
