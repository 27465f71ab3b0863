import { Queue, Worker } from 'bullmq';
import type { Config } from '../../shared/config.ts';
import type { DeletionDeps } from '../../shared/deletion/deletion-deps.ts';
import { quietQueue } from '../../shared/queue/queues.ts';
import { retentionPolicy, sweepRetention } from '../../shared/retention/retention-sweep.ts';

/** The sweep's own small queue: never behind the jobs, and its runs visible in the dashboard. */
export const RETENTION_QUEUE = 'retention';
const SCHEDULER_ID = 'retention-sweep';

export interface RunningRetention {
  close(): Promise<void>;
}

/**
 * Runs the retention sweep every RETENTION_CHECK_INTERVAL_MS through a BullMQ job scheduler:
 * every worker process upserts the same scheduler (one schedule, whoever starts last sets
 * it), and the queue's global concurrency of 1 lets one sweep run at a time across them all.
 * With both retentions at 0 the scheduler is removed and nothing runs.
 */
export async function startRetention(
  config: Config,
  deps: DeletionDeps,
): Promise<RunningRetention> {
  const policy = retentionPolicy({
    jobs: config.JOB_RETENTION_DAYS,
    uploads: config.UPLOAD_RETENTION_DAYS,
  });
  const queue = quietQueue(
    new Queue(RETENTION_QUEUE, {
      connection: deps.redis,
      prefix: config.QUEUE_PREFIX,
      // A sweep's record is its log line; the queue keeps only the last few for the dashboard.
      defaultJobOptions: { removeOnComplete: { count: 10 }, removeOnFail: { count: 10 } },
    }),
  );
  if (policy.jobsMs === null && policy.uploadsMs === null) {
    await queue.removeJobScheduler(SCHEDULER_ID);
    await queue.close();
    return { close: () => Promise.resolve() };
  }
  await queue.setGlobalConcurrency(1);
  await queue.upsertJobScheduler(
    SCHEDULER_ID,
    { every: config.RETENTION_CHECK_INTERVAL_MS },
    { name: 'sweep' },
  );
  const worker = new Worker(
    RETENTION_QUEUE,
    async () => {
      const report = await sweepRetention(deps, policy);
      if (report.jobs + report.batches + report.uploads + report.kept > 0)
        deps.logger.info({ ...report }, 'retention sweep');
      return report;
    },
    { connection: deps.redis, prefix: config.QUEUE_PREFIX, concurrency: 1 },
  );
  worker.on('error', (err) => deps.logger.warn({ err }, 'retention worker error'));
  return {
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}
