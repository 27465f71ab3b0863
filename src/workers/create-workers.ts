import { FlowProducer, Worker, type Job } from 'bullmq';
import { JOB_CLASSES, type JobClass } from '../shared/jobs/job-types.ts';
import { WORK_ITEM_EXPIRY, recordIdOf, type QueuePayload } from '../shared/queue/queues.ts';
import { createCancelListener } from './cancel-listener.ts';
import { startHeartbeats } from './heartbeats.ts';
import { completeFinish, finishJob } from '../shared/lifecycle/finish-job.ts';
import { isDubStepJob } from './dub/dub-flow.ts';
import { runDubStep } from './dub/run-step.ts';
import { createProcessor } from './processor.ts';
import { backoffCeilingMs, backoffDelayMs } from './retry-policy.ts';
import { UpstreamError } from './upstream/upstream-error.ts';
import { ABORT_LOCK_LOST, ABORT_SHUTDOWN, type WorkerDeps } from './worker-deps.ts';

export interface RunningWorkers {
  workers: Record<JobClass, Worker<QueuePayload>>;
  /**
   * Stops fetching, returns jobs still waiting for a slot to the queue at once, lets the others
   * finish within SHUTDOWN_GRACE_MS, then aborts them back to the queue (no attempt spent).
   */
  close(): Promise<void>;
}

/**
 * Active jobs a class queue may hold across every worker process, per account slot. The slot
 * pool is the real limit; this cap only keeps jobs from showing `running` while they wait for a
 * slot. Two per slot lets one job finish its storage work while the next already holds the
 * slot: the account stays saturated without a crowd of waiters.
 */
const ACTIVE_JOBS_PER_SLOT = 2;
/** After the grace period and the abort, how long jobs get to get back to the queue. */
const ABORT_SETTLE_MS = 10_000;

/**
 * One BullMQ worker per class queue of the account in this process, plus the cancel listener
 * (BullMQ's cancel is local to the worker holding the job) and the heartbeats readiness reads.
 * Called once per upstream account, each with that account's client, slots and queues.
 */
export async function createWorkers(deps: WorkerDeps): Promise<RunningWorkers> {
  const { config, logger } = deps;
  // Adds dubs' steps as child jobs (workers/dub); shares the workers' connection.
  const flows = new FlowProducer({ connection: deps.redis, prefix: config.QUEUE_PREFIX });
  flows.on('error', (error) => logger.debug({ err: error }, 'flow producer error'));
  const processor = createProcessor(deps, flows);
  const limits = deps.account.limits;
  /** BullMQ job id → its class and its job record's id (a dub's step jobs: the dub's). */
  const active = new Map<string, { jobClass: JobClass; recordId: string }>();
  const lastFetchAt: Record<JobClass, number | null> = { speech: null, music: null };

  const entries = await Promise.all(
    JOB_CLASSES.map(async (jobClass) => {
      const { queue } = deps.queues[jobClass];
      await queue.setGlobalConcurrency(limits[jobClass] * ACTIVE_JOBS_PER_SLOT);
      // Three declared parameters: BullMQ only creates the abort signal for such processors.
      const tracked = async (job: Job<QueuePayload>, token?: string, signal?: AbortSignal) => {
        const id = job.id ?? '';
        active.set(id, { jobClass, recordId: recordIdOf(job) });
        lastFetchAt[jobClass] = Date.now();
        try {
          // A dub's step (a child job of its flow) has no record of its own: see workers/dub.
          if (isDubStepJob(job)) return await runDubStep(deps, job, token, signal);
          return await processor(job, token, signal);
        } finally {
          active.delete(id);
        }
      };
      const worker = new Worker<QueuePayload>(queue.name, tracked, {
        connection: deps.redis,
        prefix: config.QUEUE_PREFIX,
        concurrency: config.WORKER_CONCURRENCY,
        ...WORK_ITEM_EXPIRY,
        // Renewed every half period while the process lives: only a dead holder loses it.
        lockDuration: config.WORKER_LOCK_DURATION_MS,
        stalledInterval: config.WORKER_STALLED_INTERVAL_MS,
        // Two deploys in a row must not fail a long job: allow stalls before giving up.
        maxStalledCount: config.WORKER_MAX_STALLED_COUNT,
        settings: {
          backoffStrategy: (attemptsMade, _type, error, job) => {
            const retryAfterMs = error instanceof UpstreamError ? error.retryAfterMs : null;
            const delayMs = backoffDelayMs(attemptsMade, config.JOB_BACKOFF_MS, retryAfterMs);
            logger.info(
              {
                job_id: job?.id,
                attempts_made: attemptsMade,
                delay_ms: delayMs,
                ceiling_ms: backoffCeilingMs(attemptsMade, config.JOB_BACKOFF_MS),
                retry_after_ms: retryAfterMs,
              },
              'retry scheduled',
            );
            return delayMs;
          },
        },
      });
      worker.on('error', (error) => logger.error({ err: error, class: jobClass }, 'worker error'));
      worker.on('lockRenewalFailed', (ids) => {
        // Another worker has taken these jobs, or will once the stalled check runs: stop their
        // runs now. Fencing keeps a run that goes on from finishing; stopping it saves the call.
        logger.warn(
          { job_ids: ids, class: jobClass },
          'lost the lock of jobs: stopping their runs',
        );
        for (const id of ids) worker.cancelJob(id, ABORT_LOCK_LOST);
      });
      worker.on('failed', (job, error) => {
        if (job && error.message.includes('stalled'))
          markStalledOut(deps, recordIdOf(job), error.message).catch((err: unknown) =>
            logger.error({ err, job_id: recordIdOf(job) }, 'could not mark a stalled job failed'),
          );
      });
      return [jobClass, worker] as const;
    }),
  );
  const workers = Object.fromEntries(entries) as Record<JobClass, Worker<QueuePayload>>;
  const all = Object.values(workers);

  const cancels = await createCancelListener(deps, {
    activeJobIds: () => [...new Set([...active.values()].map((entry) => entry.recordId))],
    cancel: (jobId, reason) => {
      // A dub's cancel reaches its steps: they run as BullMQ jobs of their own.
      const held = [...active].filter(([, entry]) => entry.recordId === jobId);
      for (const [bullId] of held) for (const worker of all) worker.cancelJob(bullId, reason);
    },
  });
  const heartbeats = startHeartbeats(deps, (jobClass) => ({
    last_fetch_at: lastFetchAt[jobClass],
    active: [...active.values()].filter((entry) => entry.jobClass === jobClass).length,
    concurrency: config.WORKER_CONCURRENCY,
  }));

  async function close(): Promise<void> {
    deps.slots.stopWaiting();
    let settleTimer: NodeJS.Timeout | undefined;
    const settled = new Promise<'timeout'>((resolve) => {
      settleTimer = setTimeout(
        () => resolve('timeout'),
        config.SHUTDOWN_GRACE_MS + ABORT_SETTLE_MS,
      );
    });
    const grace = setTimeout(() => {
      logger.warn('grace period over: aborting active jobs, they return to the queue');
      for (const worker of all) worker.cancelAllJobs(ABORT_SHUTDOWN);
    }, config.SHUTDOWN_GRACE_MS);
    try {
      const outcome = await Promise.race([Promise.all(all.map((w) => w.close())), settled]);
      if (outcome === 'timeout')
        logger.error('jobs did not return in time: they come back when their locks expire');
    } finally {
      clearTimeout(grace);
      clearTimeout(settleTimer);
      await cancels.close();
      await heartbeats.stop();
      await flows.close();
    }
  }

  return { workers, close };
}

/** BullMQ failed a job that stalled too often: the record must not stay `running` forever. */
async function markStalledOut(deps: WorkerDeps, jobId: string, message: string): Promise<void> {
  const error = {
    code: 'stalled',
    message,
    retryable: true,
    upstream_status: null,
    upstream_code: null,
    suggestion: null,
  };
  // A finish decided before the stalls is the job's end: complete it rather than fail the job.
  const record = await deps.jobs.get(jobId);
  if (record?.finishing) {
    await completeFinish(deps, record);
    return;
  }
  // No fence: whatever run the record names is dead or lost (BullMQ gave the job up).
  const finished = await finishJob(deps, jobId, {
    status: 'failed',
    from: ['running', 'queued'],
    runId: null,
    patch: { error },
  });
  if (finished) deps.metrics.jobs.inc({ type: finished.type, status: 'failed' });
}
