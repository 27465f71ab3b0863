import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from '../../shared/redis/connections.ts';
import { finalizeBatch } from '../../shared/batches/batch-finalize.ts';
import { batchKeys } from '../../shared/batches/batch-keys.ts';
import {
  BATCH_FINALIZE_QUEUE,
  finalizePayloadSchema,
  type EventQueues,
  type FinalizePayload,
} from '../../shared/batches/event-queues.ts';
import type { Config } from '../../shared/config.ts';
import type { JobStore } from '../../shared/jobs/job-store.ts';
import type { Logger } from '../../shared/logger.ts';
import type { RedisKeys } from '../../shared/redis/keys.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';
import { WEBHOOK_QUEUE, type WebhookPayload } from '../../shared/webhooks/webhook-queue.ts';
import { createSigner } from '../../shared/webhooks/webhook-signature.ts';
import { createDeliveryProcessor } from './deliver-webhook.ts';
import { createWebhookAgent } from './webhook-agent.ts';

/** What the event workers are built from (a subset of the job workers' deps). */
export interface EventWorkerDeps {
  config: Config;
  logger: Logger;
  /** A worker-role connection (waits out Redis outages). */
  redis: Redis;
  keys: RedisKeys;
  jobs: JobStore;
  storage: ObjectStorage;
  /** The producer queues: finalizing a batch enqueues its batch.completed delivery. */
  queues: EventQueues;
}

export interface EventWorkers {
  /** Stops fetching and waits for deliveries and finalizations in progress. */
  close(): Promise<void>;
}

/**
 * The worker role's consumers of the event queues: webhook deliveries (WEBHOOK_CONCURRENCY at
 * a time: receivers are slow, and their slowness must not hold anything else) and batch
 * finalization (one at a time: it streams a whole batch to storage).
 */
export async function startEventWorkers(deps: EventWorkerDeps): Promise<EventWorkers> {
  const { config, logger } = deps;
  const policy = { allowPrivate: config.ALLOW_PRIVATE_URLS };
  const agent = createWebhookAgent(policy, config.WEBHOOK_TIMEOUT_MS);
  const deliver = createDeliveryProcessor({
    redis: deps.redis,
    keys: deps.keys,
    batchKeys: batchKeys(config.QUEUE_PREFIX),
    agent,
    sign: config.WEBHOOK_SECRET ? createSigner(config.WEBHOOK_SECRET) : null,
    policy,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    logger: logger.child({ component: 'webhooks' }),
  });
  const webhooks = new Worker<WebhookPayload>(WEBHOOK_QUEUE, deliver, {
    connection: deps.redis,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WEBHOOK_CONCURRENCY,
  });
  const finalizer = new Worker<FinalizePayload>(
    BATCH_FINALIZE_QUEUE,
    async (job) => {
      const payload = finalizePayloadSchema.safeParse(job.data);
      if (!payload.success)
        throw new UnrecoverableError(`invalid payload: ${payload.error.message}`);
      const outcome = await finalizeBatch({ ...deps, prefix: config.QUEUE_PREFIX }, payload.data);
      logger.info({ ...payload.data, outcome }, 'batch finalization');
    },
    { connection: deps.redis, prefix: config.QUEUE_PREFIX, concurrency: 1 },
  );
  for (const worker of [webhooks, finalizer])
    worker.on('error', (error) => logger.error({ err: error, queue: worker.name }, 'worker error'));
  await Promise.all([webhooks.waitUntilReady(), finalizer.waitUntilReady()]);
  return {
    close: async () => {
      await Promise.all([webhooks.close(), finalizer.close()]);
      await agent.close();
    },
  };
}
