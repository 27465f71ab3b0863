import { batchKeys } from '../../shared/batches/batch-keys.ts';
import { openJobEvents } from '../../shared/batches/job-events.ts';
import { AttemptLog } from '../../shared/lifecycle/attempt-log.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import { WorkItemTransactions } from '../../shared/queue/work-item-transactions.ts';
import { duplicateRedis } from '../../shared/redis/connections.ts';
import { QueuedJobs } from '../../shared/tenants/queued-jobs.ts';
import { UsageLedger } from '../../shared/usage/usage-ledger.ts';
import type { ApiDeps } from '../deps.ts';
import { QueueAdmin } from './admin-queues.ts';
import { createBatchServices, type BatchServices } from './batch-services.ts';
import { CacheIntake } from './cache-intake.ts';
import { Deletions } from './deletions.ts';
import { IdempotencyStore } from './idempotency.ts';
import { IdempotentIntake } from './idempotency-intake.ts';
import { JobControl } from './job-control.ts';
import { JobIntake } from './job-intake.ts';
import { JobQueue } from './job-queue.ts';
import { JobReads } from './job-reads.ts';
import { createOutputUrl } from './job-views.ts';
import { JobWaiter } from './job-waiter.ts';
import { createReadiness, type Readiness } from './readiness.ts';
import { UploadService } from './upload-service.ts';
import { UsageReads } from './usage-reads.ts';

/** What the route handlers call: one object per concern, all built from ApiDeps. */
export interface ApiServices {
  uploads: UploadService;
  intake: JobIntake;
  /** `POST /v1/jobs` with its optional Idempotency-Key. */
  idempotentIntake: IdempotentIntake;
  reads: JobReads;
  control: JobControl;
  /** Owns the `?wait=` subscriber connection: close it with the app. */
  waiter: JobWaiter;
  readiness: () => Promise<Readiness>;
  admin: QueueAdmin;
  batches: BatchServices;
  /** `GET /v1/usage`. */
  usage: UsageReads;
  /** The DELETE routes of jobs, batches and uploads. */
  deletions: Deletions;
  /** Closes what the services opened themselves (the waiter, the event queues, connections). */
  close(): Promise<void>;
}

/** Wires the services; opens nothing until used (the waiter subscribes on the first wait). */
export function createServices(deps: ApiDeps & { metrics: Metrics }): ApiServices {
  const uploads = new UploadService(deps);
  // A single job's MULTI on a connection of its own (work-item-transactions.ts); fail-fast too.
  const workItems = duplicateRedis(deps.redis, { connectionName: 'audiobatch:api-work-items' });
  const queue = new JobQueue(deps.queues, deps.jobs, new WorkItemTransactions(workItems));
  const waiter = new JobWaiter(deps.redis, deps.keys.jobFinishedChannel, deps.logger);
  const reads = new JobReads({
    jobs: deps.jobs,
    storage: deps.storage,
    waiter,
    outputUrl: createOutputUrl(deps.storage, deps.config),
    presignTtlSeconds: deps.config.PRESIGN_TTL_SECONDS,
  });
  const queued = new QueuedJobs(deps.redis, deps.keys, deps.config.MAX_QUEUED_JOBS_PER_TENANT);
  const jobEvents = openJobEvents(deps.redis, deps.config);
  const finishDeps = {
    ...deps,
    attempts: new AttemptLog(deps.redis, deps.keys),
    queue,
    events: jobEvents.events,
  };
  const cacheIntake = new CacheIntake(finishDeps);
  const intake = new JobIntake({ ...deps, uploadService: uploads, queue, queued, cacheIntake });
  const control = new JobControl({ ...finishDeps, reads });
  const batches = createBatchServices(deps, {
    reads,
    control,
    eventQueues: jobEvents.queues,
    cacheIntake,
  });
  const deletions = new Deletions({
    deletion: {
      ...deps,
      batchKeys: batchKeys(deps.config.QUEUE_PREFIX),
      eventQueues: jobEvents.queues,
    },
    reads,
    control,
    batchReads: batches.reads,
    batchControl: batches.control,
    uploads: deps.uploads,
  });
  const idempotency = new IdempotencyStore(deps.redis, deps.keys, {
    ttlSeconds: deps.config.IDEMPOTENCY_TTL_SECONDS,
  });
  return {
    uploads,
    intake,
    idempotentIntake: new IdempotentIntake({
      idempotency,
      intake,
      reads,
      uploads,
      metrics: deps.metrics,
    }),
    reads,
    control,
    waiter,
    readiness: createReadiness(deps),
    admin: new QueueAdmin(deps),
    batches,
    usage: new UsageReads(new UsageLedger(deps.redis, deps.config.QUEUE_PREFIX)),
    deletions,
    close: async () => {
      await batches.close();
      await waiter.close();
      await jobEvents.close();
      // disconnect, not quit: quit would wait for a Redis that may be gone.
      workItems.disconnect();
    },
  };
}
