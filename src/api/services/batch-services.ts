import { BatchCounts } from '../../shared/batches/batch-counts.ts';
import { startIntakeRecovery } from '../../shared/batches/batch-intake-recovery.ts';
import { batchKeys } from '../../shared/batches/batch-keys.ts';
import { BatchStore } from '../../shared/batches/batch-store.ts';
import { JobStore } from '../../shared/jobs/job-store.ts';
import type { EventQueues } from '../../shared/batches/event-queues.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import { QueuedJobs } from '../../shared/tenants/queued-jobs.ts';
import type { ApiDeps } from '../deps.ts';
import { BatchCacheAnswers } from './batch-cache-answers.ts';
import { createBatchConnection } from './batch-connection.ts';
import { BatchControl } from './batch-control.ts';
import { BatchIntake } from './batch-intake.ts';
import { BatchReads } from './batch-reads.ts';
import { BatchResume } from './batch-resume.ts';
import { BatchSubmit } from './batch-submit.ts';
import { IdempotencyStore } from './idempotency.ts';
import type { JobControl } from './job-control.ts';
import type { CacheIntake } from './cache-intake.ts';
import type { JobReads } from './job-reads.ts';
import { createOutputUrl } from './job-views.ts';

/** What the batch routes call. */
export interface BatchServices {
  /** `POST /v1/batches`, with its optional Idempotency-Key (scope `batches`). */
  submit: BatchSubmit;
  reads: BatchReads;
  control: BatchControl;
  /** `POST /v1/batches/{id}/resume`: a batch paused by its budget goes on. */
  resume: BatchResume;
  /**
   * Stops the recovery of interrupted intakes this process runs and its cache answers; closes
   * the batch connection.
   */
  close(): Promise<void>;
}

/** The single-job services batches are built on. */
export interface BatchServiceParts {
  reads: JobReads;
  /** Must run the job events on cancel and retry (see JobEvents). */
  control: JobControl;
  /** Where a finalization's batch.completed goes. */
  eventQueues: EventQueues;
  /** Answers cache hits at intake; batch items' too. */
  cacheIntake: CacheIntake;
}

/**
 * Wires the batch services from the intake's deps, and starts this process's share of intake
 * recovery (every process looks for intakes another left unfinished).
 */
export function createBatchServices(
  deps: ApiDeps & { metrics: Metrics },
  parts: BatchServiceParts,
): BatchServices {
  const keys = batchKeys(deps.config.QUEUE_PREFIX);
  const batches = new BatchStore(deps.redis, keys);
  const recovery = startIntakeRecovery(
    { ...deps, batches, batchKeys: keys, leaseMs: deps.config.BATCH_INTAKE_LEASE_MS },
    deps.config.INTAKE_RECOVERY_INTERVAL_MS,
  );
  const cacheAnswers = new BatchCacheAnswers({
    ...deps,
    cacheIntake: parts.cacheIntake,
    recoveryMs: deps.config.CACHE_INTAKE_RECOVERY_MS,
  });
  const reads = new BatchReads({
    redis: deps.redis,
    batchKeys: keys,
    batches,
    jobs: deps.jobs,
    jobReads: parts.reads,
    outputUrl: createOutputUrl(deps.storage, deps.config),
  });
  // A batch's admission, records and their work items, commit and rollback on a connection of
  // their own (batch-connection.ts).
  const writer = createBatchConnection(deps.redis, deps.config.BATCH_INTAKE_LEASE_MS);
  const onWriter = { redis: writer, jobs: new JobStore(writer, deps.keys) };
  return {
    submit: new BatchSubmit({
      intake: new BatchIntake({
        ...deps,
        ...onWriter,
        batches: new BatchStore(writer, keys),
        batchKeys: keys,
        leaseMs: deps.config.BATCH_INTAKE_LEASE_MS,
        queued: new QueuedJobs(writer, deps.keys, deps.config.MAX_QUEUED_JOBS_PER_TENANT),
        cacheAnswers,
      }),
      idempotency: new IdempotencyStore(deps.redis, deps.keys, {
        ttlSeconds: deps.config.IDEMPOTENCY_TTL_SECONDS,
      }),
      reads,
    }),
    reads,
    control: new BatchControl({
      finalize: {
        redis: deps.redis,
        prefix: deps.config.QUEUE_PREFIX,
        jobs: deps.jobs,
        storage: deps.storage,
        queues: parts.eventQueues,
      },
      batches,
      counts: new BatchCounts(deps.redis, deps.keys, keys),
      control: parts.control,
      reads,
    }),
    resume: new BatchResume({ redis: deps.redis, batchKeys: keys, queues: deps.queues, reads }),
    close: async () => {
      await cacheAnswers.close();
      await recovery.stop();
      // disconnect, not quit: quit would wait for a Redis that may be gone.
      writer.disconnect();
    },
  };
}
