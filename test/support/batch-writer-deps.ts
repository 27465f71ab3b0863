import type { BatchWriterDeps } from '../../src/api/services/batch-writer.ts';
import { batchKeys } from '../../src/shared/batches/batch-keys.ts';
import type { BatchRecord } from '../../src/shared/batches/batch-record.ts';
import { BatchStore } from '../../src/shared/batches/batch-store.ts';
import { newId } from '../../src/shared/ids.ts';
import { JobStore } from '../../src/shared/jobs/job-store.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { createMetrics } from '../../src/shared/metrics/metrics.ts';
import { AccountQueues } from '../../src/shared/queue/account-queues.ts';
import type { ClassQueues } from '../../src/shared/queue/queues.ts';
import type { Redis } from '../../src/shared/redis/connections.ts';
import { redisKeys } from '../../src/shared/redis/keys.ts';
import { accountRouting, DEFAULT_ACCOUNT } from '../../src/shared/tenants/upstream-accounts.ts';

/** A new batch of `owner`'s, as the intake builds it before writing (nothing stored). */
export function newBatchRecord(owner: string): BatchRecord {
  return {
    id: newId('bat'),
    owner,
    name: null,
    seed: 1,
    metadata: {},
    webhook: null,
    created_at: new Date().toISOString(),
    results: null,
    max_characters: null,
    estimate: null,
    webhook_deliveries: [],
    matrix: null,
  };
}

/** What the batch writer needs, on `redis` under `prefix`, queueing on `queues` (the default account's). */
export function batchWriterDeps(
  redis: Redis,
  prefix: string,
  queues: ClassQueues,
  leaseMs = 30_000,
): BatchWriterDeps {
  return {
    redis,
    keys: redisKeys(prefix),
    batchKeys: batchKeys(prefix),
    jobs: new JobStore(redis, redisKeys(prefix)),
    batches: new BatchStore(redis, batchKeys(prefix)),
    queues: new AccountQueues(new Map([[DEFAULT_ACCOUNT, queues]]), accountRouting({})),
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
    leaseMs,
  };
}
