import { DelayedError, RateLimitError, UnrecoverableError } from 'bullmq';
import { JOB_CLASS_OF, type JobClass } from '../shared/jobs/job-types.ts';
import type { AttemptEntry } from '../shared/lifecycle/attempt-log.ts';
import { finishJob, FinishPendingError } from '../shared/lifecycle/finish-job.ts';
import { pauseClass } from '../shared/queue/queue-pause.ts';
import { DEFAULT_ACCOUNT } from '../shared/tenants/upstream-accounts.ts';
import {
  count,
  entry,
  numberOrNull,
  upstreamSummary,
  type AttemptContext,
} from './attempt-context.ts';
import { BudgetExhaustedError } from '../shared/usage/budget-error.ts';
import { toJobError } from './error-mapping.ts';
import type { AttemptResult } from './run-attempt.ts';
import { SlotWaitTimeoutError, WorkerStoppingError } from './slots/slot-errors.ts';
import { UpstreamError } from './upstream/upstream-error.ts';
import { ABORT_CANCELED, ABORT_LOCK_LOST, ABORT_SHUTDOWN, type WorkerDeps } from './worker-deps.ts';

export type { AttemptContext } from './attempt-context.ts';

/** How long a class queue slows down after a 429 concurrency refusal without Retry-After. */
const CONCURRENCY_PAUSE_MS = 1_000;
/** A job that found no free slot tries again after this, ms (other jobs hold the slots). */
const SLOT_RETRY_DELAY_MS = 1_000;
/** A job refused for quota waits this long before the (paused) queue could offer it again. */
const QUOTA_REQUEUE_DELAY_MS = 1_000;
/** A job parked by its batch's budget waits for resume; after this it looks again, ms. */
const PARKED_BATCH_DELAY_MS = 15 * 60_000;
/** A job parked by its tenant's monthly cap looks again after this, ms. */
const PARKED_TENANT_DELAY_MS = 60_000;

/**
 * Finishes the job with this run's outputs. False when the run may not (a later run took the
 * job over, or another finish is on its way): its writes are then its own to remove.
 */
export async function succeed(context: AttemptContext, result: AttemptResult): Promise<boolean> {
  const { deps, record, client, logger } = context;
  const outcome = result.cacheHit ? 'cache_hit' : 'succeeded';
  const finished = await finishJob(deps, record.id, {
    status: 'succeeded',
    from: ['running'],
    runId: context.runId,
    attempt: entry(context, outcome, null),
    patch: {
      outputs: result.outputs,
      fingerprint: result.fingerprint,
      input: result.input,
      cache: result.cacheHit ? 'hit' : 'miss',
      result: result.result ?? null,
      error: null,
      upstream: {
        ...upstreamSummary(context),
        request_id: context.tracker.requestId,
        character_cost: numberOrNull(context.tracker.headers['character-cost']),
        song_id: context.tracker.headers['song-id'] ?? null,
        history_item_id: context.tracker.headers['history-item-id'] ?? null,
      },
    },
  });
  if (record.request.cache === 'use')
    deps.metrics.cacheLookups.inc({ type: record.type, result: result.cacheHit ? 'hit' : 'miss' });
  if (!finished) {
    await superseded(context);
    return false;
  }
  count(context, outcome);
  deps.metrics.jobs.inc({ type: record.type, status: 'succeeded' });
  logger.info({ cache_hit: result.cacheHit, calls: client.calls }, 'job succeeded');
  return true;
}

/**
 * Hands BullMQ the error that means what should happen next, after recording the attempt:
 * - canceled (broadcast cancel) → `canceled`, UnrecoverableError;
 * - lock lost (another run has or will have the job) → nothing touched, the error;
 * - shutdown, or no slot in time → back to the queue, no attempt spent (DelayedError);
 * - 429 concurrency → back to the queue, no attempt spent, the class slowed (RateLimitError);
 * - quota_exceeded → the class queue paused, the job back in it, no attempt spent;
 * - a budget spent → the job parked (queued, no attempt spent), its batch paused;
 * - retryable → the error itself (BullMQ retries with backoff); anything else → failed now.
 * Every move is fenced by the run: a run that was taken over changes nothing.
 */
export async function settleFailure(
  context: AttemptContext,
  error: unknown,
  signal: AbortSignal | undefined,
): Promise<never> {
  try {
    return await settle(context, error, signal);
  } catch (thrown) {
    // A finish decided here (failed, canceled) that could not complete: the same as below.
    if (!(thrown instanceof FinishPendingError)) throw thrown;
    return await settle(context, thrown, signal);
  }
}

async function settle(
  context: AttemptContext,
  error: unknown,
  signal: AbortSignal | undefined,
): Promise<never> {
  const { deps, record, logger } = context;
  const aborted = signal?.aborted ? (signal.reason as unknown) : null;
  if (error instanceof FinishPendingError) {
    // The end is decided (its intent is on the record); the next delivery completes it.
    logger.warn({ err: error.cause }, 'the finish could not complete: its next delivery will');
    return delayForFinish(context, error);
  }
  if (aborted === ABORT_CANCELED) {
    await cancelRun(context);
    logger.info('job canceled while running');
    throw new UnrecoverableError('canceled');
  }
  if (aborted === ABORT_LOCK_LOST) {
    await superseded(context);
    throw error instanceof Error ? error : new Error('lock lost');
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
    await deps.queues[JOB_CLASS_OF[record.type]].queue.rateLimit(
      error.retryAfterMs ?? CONCURRENCY_PAUSE_MS,
    );
    throw new RateLimitError();
  }
  if (error instanceof BudgetExhaustedError) return park(context, error);
  if (error instanceof UpstreamError && error.kind === 'quota') {
    await pauseForQuota(deps, JOB_CLASS_OF[record.type], error, context.logger);
    return requeue(context, 'requeued_quota', error, QUOTA_REQUEUE_DELAY_MS);
  }
  return fail(context, error);
}

/** The job canceled by this run (a cancel arrived before or while it ran). */
export async function cancelRun(context: AttemptContext): Promise<void> {
  const { deps, record } = context;
  count(context, 'canceled');
  const finished = await finishJob(deps, record.id, {
    status: 'canceled',
    from: ['running'],
    runId: context.runId,
    attempt: entry(context, 'canceled', null),
    patch: { outputs: [], upstream: upstreamSummary(context) },
  });
  if (finished) deps.metrics.jobs.inc({ type: record.type, status: 'canceled' });
}

/** A run that a later run took over: logged, its record untouched (the fence says so). */
async function superseded(context: AttemptContext): Promise<void> {
  const { deps, record, logger } = context;
  await deps.attempts.append(record.id, entry(context, 'superseded', null));
  count(context, 'superseded');
  logger.warn(
    { calls: context.client.calls },
    'another run took this job over: this run discards its work and removes its writes',
  );
}

/**
 * The record back to `queued` with the attempt given back (it was not the job's fault), and
 * the attempt logged when something happened upstream worth keeping. False when the run was
 * taken over meanwhile (then nothing moved).
 */
async function returnRecord(
  context: AttemptContext,
  outcome: AttemptEntry['outcome'] | null,
  error: unknown,
): Promise<boolean> {
  const { deps, record, attempt } = context;
  if (outcome) await deps.attempts.append(record.id, entry(context, outcome, toJobError(error)));
  const moved = await deps.jobs.transition(
    record.id,
    ['running'],
    { status: 'queued', attempts: attempt - 1, upstream: upstreamSummary(context) },
    context.runId,
  );
  if (moved.outcome !== 'applied') return false;
  deps.metrics.jobs.inc({ type: record.type, status: 'queued' });
  await deps.events.changed(record); // a batch counts it queued again
  count(context, outcome ?? 'requeued_slot_wait');
  return true;
}

/** How long a job whose finish could not complete waits before its delivery completes it. */
const FINISH_RETRY_DELAY_MS = 2_000;

/**
 * Back to the queue without spending an attempt and without touching the record (a finish
 * is on it): the next delivery finds the intent and completes the finish, however many
 * deliveries an outage of storage or Redis takes.
 */
export async function delayForFinish(
  context: Pick<AttemptContext, 'job' | 'token'>,
  error: unknown,
): Promise<never> {
  if (context.token === undefined) throw error instanceof Error ? error : new Error(String(error));
  await context.job.moveToDelayed(Date.now() + FINISH_RETRY_DELAY_MS, context.token);
  throw new DelayedError();
}

/** Back to the queue (delayed by `delayMs`) without spending an attempt, nor failing. */
async function requeue(
  context: AttemptContext,
  outcome: AttemptEntry['outcome'] | null,
  error: unknown,
  delayMs: number,
): Promise<never> {
  const moved = await returnRecord(context, outcome, error);
  // Without our lock token (or our run) BullMQ cannot move the job; an ordinary retry is the
  // fallback, and a run that was taken over has nothing left to move.
  if (!moved || context.token === undefined)
    throw error instanceof Error ? error : new Error(String(error));
  await context.job.moveToDelayed(Date.now() + delayMs, context.token);
  throw new DelayedError();
}

/**
 * A job whose batch's budget is spent waits, queued, until the batch is resumed with a higher
 * cap: resume promotes the batch's parked jobs. The long delay is only the fallback should a
 * resume miss one (the job then meets the budget again and parks again). A tenant's monthly
 * cap parks jobs for a shorter while: it lifts on its own when the month turns.
 */
async function park(context: AttemptContext, error: BudgetExhaustedError): Promise<never> {
  const { deps, record, logger } = context;
  const batchId = error.scope === 'batch' ? record.batch_id : null;
  if (batchId !== null) {
    // Parked before the record moves: a resume that reads the set finds every parked job.
    const pause = await deps.usage.park(batchId, record.id);
    if (pause !== null) {
      logger.warn({ batch_id: batchId, used: error.used, cap: error.cap }, error.message);
      await deps.events.batchPaused(batchId, pause);
    }
  }
  const moved = await returnRecord(context, 'parked_budget', error);
  if (!moved || context.token === undefined) throw error;
  const delay = batchId === null ? PARKED_TENANT_DELAY_MS : PARKED_BATCH_DELAY_MS;
  await context.job.moveToDelayed(Date.now() + delay, context.token);
  // A resume that came between the park and this move could not promote the job: it goes now.
  if (batchId !== null && !(await deps.usage.isPaused(batchId)))
    await context.job.promote().catch(() => undefined);
  throw new DelayedError();
}

/**
 * Pauses the account's class queue on `quota_exceeded`: its jobs stay queued until an operator
 * tops the account up and resumes it. Also what a dub's step does (workers/dub/run-step.ts).
 */
export async function pauseForQuota(
  deps: WorkerDeps,
  jobClass: JobClass,
  error: UpstreamError,
  logger: WorkerDeps['logger'],
): Promise<void> {
  const account = deps.account.name;
  const first = await pauseClass(deps, deps.queues[jobClass], {
    code: 'quota_exceeded',
    message: error.message,
  });
  if (first) {
    const query = account === DEFAULT_ACCOUNT ? '' : `?account=${account}`;
    // Another account's logger already names it (account-workers.ts).
    logger.error(
      { class: jobClass, upstream_code: error.upstreamCode },
      'upstream quota exceeded: the class queue is PAUSED, its jobs stay queued; ' +
        `top up the account, then POST /v1/admin/queues/${jobClass}/resume${query}`,
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
    const moved = await deps.jobs.transition(
      record.id,
      ['running'],
      { status: 'queued', upstream },
      context.runId,
    );
    if (moved.outcome === 'applied') {
      deps.metrics.jobs.inc({ type: record.type, status: 'queued' });
      await deps.events.changed(record); // queued in its batch
    }
    count(context, 'retry');
    logger.info({ code: jobError.code }, 'attempt failed: retrying with backoff');
    throw error instanceof Error ? error : new Error(jobError.message);
  }
  count(context, 'failed');
  const finished = await finishJob(deps, record.id, {
    status: 'failed',
    from: ['running'],
    runId: context.runId,
    attempt: entry(context, 'failed', jobError),
    patch: { error: jobError, upstream },
  });
  if (finished) deps.metrics.jobs.inc({ type: record.type, status: 'failed' });
  logger.warn({ code: jobError.code }, 'job failed');
  throw new UnrecoverableError(`${jobError.code}: ${jobError.message}`);
}
