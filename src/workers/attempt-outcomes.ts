import { DelayedError, RateLimitError, UnrecoverableError, type Job } from 'bullmq';
import { JOB_CLASS_OF } from '../shared/jobs/job-types.ts';
import type { JobError, JobRecord } from '../shared/jobs/job-record.ts';
import type { Logger } from '../shared/logger.ts';
import { pauseClass } from '../shared/queue/queue-pause.ts';
import { jobCacheScope } from '../shared/tenants/cache-groups.ts';
import type { QueuePayload } from '../shared/queue/queues.ts';
import type { AttemptEntry } from './attempt-log.ts';
import type { CallTracker } from './call-tracker.ts';
import { toJobError } from './error-mapping.ts';
import { definitionFor } from './jobs/registry.ts';
import { attemptEntry, deleteOutputs, finishJob } from './job-lifecycle.ts';
import { storeInCache } from './outputs/result-cache.ts';
import type { AttemptResult } from './run-attempt.ts';
import type { SlotLimitedClient } from './slots/slot-limited-client.ts';
import { SlotWaitTimeoutError, WorkerStoppingError } from './slots/slot-errors.ts';
import { UpstreamError } from './upstream/upstream-error.ts';
import { ABORT_CANCELED, ABORT_SHUTDOWN, type WorkerDeps } from './worker-deps.ts';

/** How long a class queue slows down after a 429 concurrency refusal without Retry-After. */
const CONCURRENCY_PAUSE_MS = 1_000;
/** A job that found no free slot tries again after this, ms (other jobs hold the slots). */
const SLOT_RETRY_DELAY_MS = 1_000;
/** A job refused for quota waits this long before the (paused) queue could offer it again. */
const QUOTA_REQUEUE_DELAY_MS = 1_000;

export interface AttemptContext {
  deps: WorkerDeps;
  job: Job<QueuePayload>;
  /** The BullMQ lock token: needed to move the job back to the queue ourselves. */
  token: string | undefined;
  record: JobRecord;
  attempt: number;
  startedAt: string;
  /** Last call's status, request id and headers, for the attempt log. */
  tracker: CallTracker;
  /** The attempt's upstream client; its `calls` counts calls that really went out. */
  client: SlotLimitedClient;
  logger: Logger;
}

/** Records the success (cache pointer included) unless a cancel won the race. */
export async function succeed(context: AttemptContext, result: AttemptResult): Promise<void> {
  const { deps, record, tracker, client, logger } = context;
  const outcome = result.cacheHit ? 'cache_hit' : 'succeeded';
  await deps.attempts.append(record.id, entry(context, outcome, null));
  // The pointer goes first: a rerun submitted the moment this job is announced finished must
  // find it. Should a cancel win the race below, the pointer names deleted objects, and a
  // lookup through it is a miss (the copy fails), never a wrong answer.
  if (!result.cacheHit) {
    await storeInCache(deps.storage, jobCacheScope(record), {
      fingerprint: result.fingerprint,
      job_id: record.id,
      outputs: result.outputs,
      result: result.result,
    });
  }
  const finished = await finishJob(deps, record.id, 'succeeded', {
    outputs: result.outputs,
    fingerprint: result.fingerprint,
    cache: result.cacheHit ? 'hit' : 'miss',
    result: result.result ?? null,
    error: null,
    upstream: {
      endpoint: result.endpoint,
      request_id: tracker.requestId,
      character_cost: numberOrNull(tracker.headers['character-cost']),
      song_id: tracker.headers['song-id'] ?? null,
      calls: (record.upstream?.calls ?? 0) + client.calls,
    },
  });
  count(context, outcome);
  if (record.request.cache === 'use')
    deps.metrics.cacheLookups.inc({ type: record.type, result: result.cacheHit ? 'hit' : 'miss' });
  if (!finished) {
    await deleteOutputs(deps, record.id); // canceled while the last bytes were written
    return;
  }
  deps.metrics.jobs.inc({ type: record.type, status: 'succeeded' });
  logger.info({ cache_hit: result.cacheHit, calls: client.calls }, 'job succeeded');
}

/**
 * Hands BullMQ the error that means what should happen next, after recording the attempt:
 * - canceled (broadcast cancel) → outputs deleted, `canceled`, UnrecoverableError;
 * - shutdown, or no slot in time → back to the queue, no attempt spent (DelayedError);
 * - 429 concurrency → back to the queue, no attempt spent, the class slowed (RateLimitError);
 * - quota_exceeded → the class queue paused, the job back in it, no attempt spent;
 * - retryable → the error itself (BullMQ retries with backoff); anything else → failed now.
 */
export async function settleFailure(
  context: AttemptContext,
  error: unknown,
  signal: AbortSignal | undefined,
): Promise<never> {
  const { deps, record, logger } = context;
  const aborted = signal?.aborted ? (signal.reason as unknown) : null;
  if (aborted === ABORT_CANCELED) {
    await cancel(context);
    logger.info('job canceled while running');
    throw new UnrecoverableError('canceled');
  }
  if (aborted === ABORT_SHUTDOWN || error instanceof WorkerStoppingError) {
    logger.info('worker shutting down: job returned to the queue');
    return requeue(context, 'interrupted', error, 0);
  }
  if (error instanceof SlotWaitTimeoutError) {
    return requeue(context, null, error, SLOT_RETRY_DELAY_MS);
  }
  if (error instanceof UpstreamError && error.kind === 'concurrency') {
    await returnRecord(context, 'requeued_concurrency', error);
    // Slow the whole class down briefly: the account is saturated, not this job.
    await deps.queues[JOB_CLASS_OF[record.type]].rateLimit(
      error.retryAfterMs ?? CONCURRENCY_PAUSE_MS,
    );
    throw new RateLimitError();
  }
  if (error instanceof UpstreamError && error.kind === 'quota') {
    await pauseForQuota(context, error);
    return requeue(context, 'requeued_quota', error, QUOTA_REQUEUE_DELAY_MS);
  }
  return fail(context, error);
}

async function cancel(context: AttemptContext): Promise<void> {
  const { deps, record } = context;
  await deps.attempts.append(record.id, entry(context, 'canceled', null));
  await deleteOutputs(deps, record.id);
  count(context, 'canceled');
  if (await finishJob(deps, record.id, 'canceled', { outputs: [] }, ['running', 'queued']))
    deps.metrics.jobs.inc({ type: record.type, status: 'canceled' });
}

/**
 * The record back to `queued` with the attempt given back (it was not the job's fault), and
 * the attempt logged when something happened upstream worth keeping.
 */
async function returnRecord(
  context: AttemptContext,
  outcome: AttemptEntry['outcome'] | null,
  error: unknown,
): Promise<void> {
  const { deps, record, attempt } = context;
  if (outcome) await deps.attempts.append(record.id, entry(context, outcome, toJobError(error)));
  await deps.jobs.transition(record.id, ['running'], {
    status: 'queued',
    attempts: attempt - 1,
    upstream: upstreamSummary(context),
  });
  await deps.events.changed(record); // a batch counts it queued again
  count(context, outcome ?? 'requeued_slot_wait');
}

/** Back to the queue (delayed by `delayMs`) without spending an attempt, nor failing. */
async function requeue(
  context: AttemptContext,
  outcome: AttemptEntry['outcome'] | null,
  error: unknown,
  delayMs: number,
): Promise<never> {
  await returnRecord(context, outcome, error);
  // Without our lock token BullMQ cannot move the job; an ordinary retry is the fallback.
  if (context.token === undefined) throw error instanceof Error ? error : new Error(String(error));
  await context.job.moveToDelayed(Date.now() + delayMs, context.token);
  throw new DelayedError();
}

async function pauseForQuota(context: AttemptContext, error: UpstreamError): Promise<void> {
  const { deps, record, logger } = context;
  const jobClass = JOB_CLASS_OF[record.type];
  const first = await pauseClass(deps, deps.queues[jobClass], jobClass, {
    code: 'quota_exceeded',
    message: error.message,
  });
  if (first) {
    logger.error(
      { class: jobClass, upstream_code: error.upstreamCode },
      'upstream quota exceeded: the class queue is PAUSED, its jobs stay queued; ' +
        `top up the account, then POST /v1/admin/queues/${jobClass}/resume`,
    );
  }
}

/** A retryable failure with attempts left retries with backoff; anything else fails now. */
async function fail(context: AttemptContext, error: unknown): Promise<never> {
  const { deps, job, record, attempt, logger } = context;
  const jobError = toJobError(error);
  const upstream = upstreamSummary(context);
  const lastAttempt = attempt >= (job.opts.attempts ?? 1);
  if (jobError.retryable && !lastAttempt) {
    await deps.attempts.append(record.id, entry(context, 'retry', jobError));
    await deps.jobs.transition(record.id, ['running'], { status: 'queued', upstream });
    await deps.events.changed(record); // waiting out its backoff: queued in the batch counts
    count(context, 'retry');
    logger.info({ code: jobError.code }, 'attempt failed: retrying with backoff');
    throw error instanceof Error ? error : new Error(jobError.message);
  }
  await deps.attempts.append(record.id, entry(context, 'failed', jobError));
  count(context, 'failed');
  if (await finishJob(deps, record.id, 'failed', { error: jobError, upstream }))
    deps.metrics.jobs.inc({ type: record.type, status: 'failed' });
  logger.warn({ code: jobError.code }, 'job failed');
  throw new UnrecoverableError(`${jobError.code}: ${jobError.message}`);
}

function entry(
  context: AttemptContext,
  outcome: AttemptEntry['outcome'],
  error: JobError | null,
): AttemptEntry {
  return attemptEntry(context.attempt, context.startedAt, outcome, context.tracker, error);
}

function upstreamSummary(context: AttemptContext): NonNullable<JobRecord['upstream']> {
  const { record, client } = context;
  const endpoint = definitionFor(record.type).endpoint(record.request);
  const calls = (record.upstream?.calls ?? 0) + client.calls;
  return {
    endpoint,
    request_id: null,
    character_cost: null,
    song_id: null,
    ...record.upstream,
    calls,
  };
}

function count(context: AttemptContext, outcome: string): void {
  context.deps.metrics.attempts.inc({ type: context.record.type, outcome });
}

function numberOrNull(value: string | undefined): number | null {
  if (value === undefined) return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}
