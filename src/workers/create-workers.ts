import { Worker } from 'bullmq';
import { JOB_CLASSES, type JobClass } from '../shared/jobs/job-types.ts';
import { queueName, type QueuePayload } from '../shared/queue/queues.ts';
import { createProcessor } from './processor.ts';
import { backoffDelayMs } from './retry-policy.ts';
import { UpstreamError } from './upstream/upstream-error.ts';
import { ABORT_CANCELED, ABORT_SHUTDOWN, type WorkerDeps } from './worker-deps.ts';

export interface RunningWorkers {
  workers: Record<JobClass, Worker<QueuePayload>>;
  /** Stops fetching, lets active jobs finish within the grace period, aborts the rest. */
  close(): Promise<void>;
}

/**
 * One BullMQ worker per class queue in this process, plus the cancel listener: BullMQ's cancel
 * is local to the worker holding the job, so cancels are broadcast on a Redis channel and every
 * process aborts the job if it holds it.
 */
export async function createWorkers(deps: WorkerDeps): Promise<RunningWorkers> {
  const { config } = deps;
  const processor = createProcessor(deps);
  const limits: Record<JobClass, number> = {
    speech: config.UPSTREAM_CONCURRENCY,
    music: config.MUSIC_CONCURRENCY,
  };
  const entries = await Promise.all(
    JOB_CLASSES.map(async (jobClass) => {
      // Account-wide limit: BullMQ counts active jobs of the queue across every worker process.
      await deps.queues[jobClass].setGlobalConcurrency(limits[jobClass]);
      const worker = new Worker<QueuePayload>(queueName(jobClass), processor, {
        connection: deps.redis,
        prefix: config.QUEUE_PREFIX,
        concurrency: config.WORKER_CONCURRENCY,
        lockDuration: config.WORKER_LOCK_DURATION_MS,
        stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
        // Two deploys in a row must not fail a long job: allow two stalls before giving up.
        maxStalledCount: 2,
        settings: {
          backoffStrategy: (attemptsMade, _type, error) =>
            backoffDelayMs(
              attemptsMade,
              config.JOB_BACKOFF_MS,
              error instanceof UpstreamError ? error.retryAfterMs : null,
            ),
        },
      });
      worker.on('error', (error) =>
        deps.logger.error({ err: error, class: jobClass }, 'worker error'),
      );
      worker.on('failed', (job, error) => {
        if (job && error.message.includes('stalled'))
          void markStalledOut(deps, job.data.job_id, error.message);
      });
      return [jobClass, worker] as const;
    }),
  );
  const workers = Object.fromEntries(entries) as Record<JobClass, Worker<QueuePayload>>;

  const subscriber = deps.redis.duplicate();
  await subscriber.subscribe(deps.keys.cancelChannel);
  subscriber.on('message', (_channel, jobId: string) => {
    for (const worker of Object.values(workers)) worker.cancelJob(jobId, ABORT_CANCELED);
  });

  async function close(): Promise<void> {
    const all = Object.values(workers);
    const timer = setTimeout(() => {
      deps.logger.warn('grace period over: aborting active jobs, they return to the queue');
      for (const worker of all) worker.cancelAllJobs(ABORT_SHUTDOWN);
    }, config.SHUTDOWN_GRACE_MS);
    try {
      await Promise.all(all.map((worker) => worker.close()));
    } finally {
      clearTimeout(timer);
      subscriber.disconnect();
    }
  }

  return { workers, close };
}

/** BullMQ failed a job that stalled too often: the record must not stay `running` forever. */
async function markStalledOut(deps: WorkerDeps, jobId: string, message: string): Promise<void> {
  await deps.jobs.transition(jobId, ['running', 'queued'], {
    status: 'failed',
    finished_at: new Date().toISOString(),
    error: {
      code: 'stalled',
      message,
      retryable: true,
      upstream_status: null,
      upstream_code: null,
      suggestion: null,
    },
  });
  await deps.redis.publish(deps.keys.jobFinishedChannel, jobId);
}
