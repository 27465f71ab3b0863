import { UnrecoverableError, type Job } from 'bullmq';
import { isFinished, JOB_CLASS_OF } from '../shared/jobs/job-types.ts';
import { queuePayloadSchema, type QueuePayload } from '../shared/queue/queues.ts';
import { settleFailure, succeed, type AttemptContext } from './attempt-outcomes.ts';
import { CallTracker } from './call-tracker.ts';
import { definitionFor } from './jobs/registry.ts';
import { completeFinish, finishJob } from './job-lifecycle.ts';
import { runAttempt } from './run-attempt.ts';
import { slotLimitedClient } from './slots/slot-limited-client.ts';
import { instrumentedClient } from './upstream/instrumented-client.ts';
import type { WorkerDeps } from './worker-deps.ts';

/**
 * The one BullMQ processor for every job type. It validates the payload (jobs may have been
 * queued by older code), claims the job record, runs one attempt, and turns the outcome into
 * BullMQ control flow (see attempt-outcomes.ts): return = done, RateLimitError or DelayedError =
 * back to the queue without spending an attempt, UnrecoverableError = fail now, any other
 * error = retry with backoff.
 */
export function createProcessor(deps: WorkerDeps) {
  return async function process(job: Job<QueuePayload>, token?: string, signal?: AbortSignal) {
    const payload = queuePayloadSchema.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`invalid payload: ${payload.error.message}`);
    const record = await deps.jobs.get(payload.data.job_id);
    if (!record) throw new UnrecoverableError(`job record ${payload.data.job_id} not found`);
    if (isFinished(record.status)) {
      // A duplicate delivery of a finished job: the worker that finished it may have died
      // before job.json and the hooks (all idempotent), so complete them again.
      await completeFinish(deps, record);
      return;
    }
    if (record.cancel_requested) {
      if (await finishJob(deps, record.id, 'canceled', {}, ['queued', 'running']))
        deps.metrics.jobs.inc({ type: record.type, status: 'canceled' });
      return;
    }

    const attempt = job.attemptsMade + 1;
    const startedAt = new Date().toISOString();
    const claim = await deps.jobs.transition(record.id, ['queued', 'running'], {
      status: 'running',
      started_at: record.started_at ?? startedAt,
      attempts: attempt,
    });
    if (claim.outcome !== 'applied') return;
    await deps.events.started(record);
    deps.metrics.jobs.inc({ type: record.type, status: 'running' });

    const logger = deps.logger.child({ job_id: record.id, type: record.type, attempt });
    logger.info('job started');
    const jobClass = JOB_CLASS_OF[record.type];
    const endpoint = definitionFor(record.type).endpoint(record.request);
    // Slots wrap the instrumented client: measured latency excludes the wait for a slot.
    const client = slotLimitedClient(
      instrumentedClient(deps.upstream, deps.metrics, { endpoint, jobClass }),
      deps.slots,
      jobClass,
    );
    const attemptSignal = AbortSignal.any([
      signal ?? new AbortController().signal,
      AbortSignal.timeout(deps.config.UPSTREAM_TOTAL_TIMEOUT_MS),
    ]);
    const tracker = new CallTracker(client, attemptSignal);
    const context: AttemptContext = {
      deps,
      job,
      token,
      record,
      attempt,
      startedAt,
      tracker,
      client,
      logger,
    };
    try {
      // Started before: an earlier run may have died mid-upload and left a multipart upload.
      if (job.attemptsStarted > 1) await abortLeftoverUploads(deps, record.id, logger);
      const result = await runAttempt(deps, record, tracker, attemptSignal, logger);
      await succeed(context, result);
    } catch (error) {
      await settleFailure(context, error, signal);
    } finally {
      client.releaseAll();
    }
  };
}

async function abortLeftoverUploads(
  deps: WorkerDeps,
  jobId: string,
  logger: AttemptContext['logger'],
): Promise<void> {
  const aborted = await deps.storage.abortPendingUploads(`jobs/${jobId}/`);
  if (aborted > 0) logger.warn({ aborted }, 'aborted uploads an earlier run left unfinished');
}
