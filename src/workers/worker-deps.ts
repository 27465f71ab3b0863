import type { Redis } from '../shared/redis/connections.ts';
import type { JobEvents } from '../shared/batches/job-events.ts';
import type { Config } from '../shared/config.ts';
import type { JobStore } from '../shared/jobs/job-store.ts';
import type { JobClass } from '../shared/jobs/job-types.ts';
import type { AttemptLog } from '../shared/lifecycle/attempt-log.ts';
import type { Logger } from '../shared/logger.ts';
import type { Metrics } from '../shared/metrics/metrics.ts';
import type { ClassQueue } from '../shared/queue/queues.ts';
import type { RedisKeys } from '../shared/redis/keys.ts';
import type { ObjectStorage } from '../shared/storage/object-storage.ts';
import type { UpstreamAccount } from '../shared/tenants/upstream-accounts.ts';
import type { UsageLedger } from '../shared/usage/usage-ledger.ts';
import type { InputFetcher } from './inputs/fetch-input-url.ts';
import type { UpstreamSlots } from './slots/upstream-slots.ts';
import type { UpstreamClient } from './upstream/upstream-client.ts';

/**
 * What the workers of one upstream account are built from: a plain typed object, assembled by
 * the entry point once per account (its client, slot pool and queues; the rest is shared).
 */
export interface WorkerDeps {
  config: Config;
  logger: Logger;
  /** A worker-role connection (waits out Redis outages). */
  redis: Redis;
  keys: RedisKeys;
  jobs: JobStore;
  attempts: AttemptLog;
  /** Where every upstream call is counted, for its job, batch and tenant. */
  usage: UsageLedger;
  storage: ObjectStorage;
  /** The upstream account these workers call with: its name and limits. */
  account: UpstreamAccount;
  /** The account's client: its key, its host. */
  upstream: UpstreamClient;
  inputs: InputFetcher;
  /**
   * The account's class queues: rate-limited after a 429 concurrency refusal, paused on
   * quota_exceeded (this account's only).
   */
  queues: Record<JobClass, ClassQueue>;
  /** The account's upstream slot pool, shared with every other worker process via Redis. */
  slots: UpstreamSlots;
  metrics: Metrics;
  /** Batch counts, batch completion and job webhooks, after every status change. */
  events: JobEvents;
  /** The deployment this worker's storage belongs to: it runs only that deployment's jobs. */
  deployment: string;
}

/** Reasons passed to BullMQ's cancelJob, read back from the abort signal. */
export const ABORT_CANCELED = 'canceled';
export const ABORT_SHUTDOWN = 'shutdown';
/** The job's lock could not be renewed: another run has it, or will, so this one stops. */
export const ABORT_LOCK_LOST = 'lock_lost';
