import { RateLimitError, UnrecoverableError, type Job } from 'bullmq';
import { isFinished, JOB_CLASS_OF } from '../shared/jobs/job-types.ts';
import type { JobRecord } from '../shared/jobs/job-record.ts';
import { queuePayloadSchema, type QueuePayload } from '../shared/queue/queues.ts';
import { CallTracker } from './call-tracker.ts';
import { definitionFor } from './jobs/registry.ts';
import { toJobError } from './error-mapping.ts';
import { attemptEntry, deleteOutputs, finishJob } from './job-lifecycle.ts';
import { storeInCache } from './outputs/result-cache.ts';
import { runAttempt, type AttemptResult } from './run-attempt.ts';
import { UpstreamError } from './upstream/upstream-error.ts';
import { ABORT_CANCELED, type WorkerDeps } from './worker-deps.ts';

/** How long a class queue pauses after a 429 concurrency refusal when no Retry-After says. */
const CONCURRENCY_PAUSE_MS = 1_000;

/**
 * The one BullMQ processor for every job type. It validates the payload (jobs may have been
 * queued by older code), claims the job record, runs one attempt, and turns the outcome into
 * BullMQ control flow: return = done, RateLimitError = back to the queue without spending an
 * attempt, UnrecoverableError = fail now, any other error = retry with backoff.
 */
export function createProcessor(deps: WorkerDeps) {
  return async function process(job: Job<QueuePayload>, _token?: string, signal?: AbortSignal) {
    const payload = queuePayloadSchema.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`invalid payload: ${payload.error.message}`);
    const record = await deps.jobs.get(payload.data.job_id);
    if (!record) throw new UnrecoverableError(`job record ${payload.data.job_id} not found`);
    if (isFinished(record.status)) return; // a duplicate delivery of a finished job
    if (record.cancel_requested) {
      await finishJob(deps, record.id, 'canceled', {}, ['queued', 'running']);
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

    const logger = deps.logger.child({ job_id: record.id, type: record.type, attempt });
    const attemptSignal = AbortSignal.any([
      signal ?? new AbortController().signal,
      AbortSignal.timeout(deps.config.UPSTREAM_TOTAL_TIMEOUT_MS),
    ]);
    const tracker = new CallTracker(deps.upstream, attemptSignal);
    const context = { deps, job, record, attempt, startedAt, tracker };
    try {
      const result = await runAttempt(deps, record, tracker, attemptSignal, logger);
      await succeed(context, result);
      logger.info({ cache_hit: result.cacheHit, calls: tracker.calls }, 'job succeeded');
    } catch (error) {
      if (signal?.aborted && signal.reason === ABORT_CANCELED) {
        await cancel(context);
        logger.info('job canceled while running');
        throw new UnrecoverableError('canceled');
      }
      await fail(context, error);
    }
  };
}

interface AttemptContext {
  deps: WorkerDeps;
  job: Job<QueuePayload>;
  record: JobRecord;
  attempt: number;
  startedAt: string;
  tracker: CallTracker;
}

async function succeed(context: AttemptContext, result: AttemptResult): Promise<void> {
  const { deps, record, tracker } = context;
  const outcome = result.cacheHit ? 'cache_hit' : 'succeeded';
  await deps.attempts.append(
    record.id,
    attemptEntry(context.attempt, context.startedAt, outcome, tracker, null),
  );
  const finished = await finishJob(deps, record.id, 'succeeded', {
    outputs: result.outputs,
    fingerprint: result.fingerprint,
    cache: result.cacheHit ? 'hit' : 'miss',
    error: null,
    upstream: {
      endpoint: result.endpoint,
      request_id: tracker.requestId,
      character_cost: numberOrNull(tracker.headers['character-cost']),
      song_id: tracker.headers['song-id'] ?? null,
      calls: (record.upstream?.calls ?? 0) + tracker.calls,
    },
  });
  if (!finished) {
    await deleteOutputs(deps, record.id); // canceled while the last bytes were written
    return;
  }
  if (!result.cacheHit) {
    await storeInCache(deps.storage, {
      fingerprint: result.fingerprint,
      job_id: record.id,
      outputs: result.outputs,
      result: result.result,
    });
  }
}

async function cancel(context: AttemptContext): Promise<void> {
  const { deps, record, tracker } = context;
  await deps.attempts.append(
    record.id,
    attemptEntry(context.attempt, context.startedAt, 'canceled', tracker, null),
  );
  await deleteOutputs(deps, record.id);
  await finishJob(deps, record.id, 'canceled', { outputs: [] }, ['running', 'queued']);
}

/** Records the failed attempt, then hands BullMQ the error that means what should happen next. */
async function fail(context: AttemptContext, error: unknown): Promise<never> {
  const { deps, job, record, tracker, attempt } = context;
  const jobError = toJobError(error);
  const calls = (record.upstream?.calls ?? 0) + tracker.calls;
  const endpoint = definitionFor(record.type).endpoint(record.request);
  const upstream = { ...emptyUpstream(endpoint), ...record.upstream, calls };

  if (error instanceof UpstreamError && error.kind === 'concurrency') {
    await deps.attempts.append(
      record.id,
      attemptEntry(attempt, context.startedAt, 'requeued_concurrency', tracker, jobError),
    );
    await deps.jobs.transition(record.id, ['running'], {
      status: 'queued',
      attempts: attempt - 1,
      upstream,
    });
    // Slow the whole class down briefly: the account is saturated, not this job.
    await deps.queues[JOB_CLASS_OF[record.type]].rateLimit(
      error.retryAfterMs ?? CONCURRENCY_PAUSE_MS,
    );
    throw new RateLimitError();
  }

  const lastAttempt = attempt >= (job.opts.attempts ?? 1);
  if (jobError.retryable && !lastAttempt) {
    await deps.attempts.append(
      record.id,
      attemptEntry(attempt, context.startedAt, 'retry', tracker, jobError),
    );
    await deps.jobs.transition(record.id, ['running'], { status: 'queued', upstream });
    throw error instanceof Error ? error : new Error(jobError.message);
  }

  await deps.attempts.append(
    record.id,
    attemptEntry(attempt, context.startedAt, 'failed', tracker, jobError),
  );
  await finishJob(deps, record.id, 'failed', { error: jobError, upstream });
  throw new UnrecoverableError(`${jobError.code}: ${jobError.message}`);
}

function emptyUpstream(endpoint: string) {
  return { endpoint, request_id: null, character_cost: null, song_id: null, calls: 0 };
}

function numberOrNull(value: string | undefined): number | null {
  if (value === undefined) return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}
