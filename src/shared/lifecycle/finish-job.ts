import type { Redis } from '../redis/connections.ts';
import type { JobEvents } from '../batches/job-events.ts';
import { crashPoint } from '../crash-points.ts';
import { ServiceUnavailableError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { FinalStatus, FinishIntent, JobRecord } from '../jobs/job-record.ts';
import type { JobPatch, JobStore } from '../jobs/job-store.ts';
import type { JobStatus } from '../jobs/job-types.ts';
import type { Logger } from '../logger.ts';
import type { RedisKeys } from '../redis/keys.ts';
import type { ObjectStorage } from '../storage/object-storage.ts';
import type { AttemptEntry, AttemptLog, JobHistory } from './attempt-log.ts';
import { storeCacheHint } from './cache-hints.ts';
import { writeJobJson } from './job-json.ts';
import { jobJsonKey, sweepJobObjects } from './job-objects.ts';
import { storeInCache } from './result-cache.ts';

/**
 * A finish whose intent is on the record, but whose later steps failed (storage or Redis away):
 * the job's end is decided, and its next delivery completes it. Whoever meets this must not
 * fail nor re-run the job; a worker puts it back in the queue without spending an attempt.
 */
export class FinishPendingError extends ServiceUnavailableError {
  constructor(cause: unknown) {
    super('The job’s finish is decided and completes shortly.', cause);
  }
}

/** What finishing a job touches; the workers and the API's cancel both have it. */
export interface FinishDeps {
  jobs: JobStore;
  storage: ObjectStorage;
  attempts: AttemptLog;
  /** Batch counts, batch completion and job webhooks. */
  events: JobEvents;
  /** Publishes on the `?wait=` channel. */
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
}

/** A finish as its caller asks for it. */
export interface FinishRequest {
  status: FinalStatus;
  /** The statuses the job may be finished from (a cancel that won the race is never undone). */
  from: readonly JobStatus[];
  /** The run finishing it, as its fence; null for finishes outside a run (cancel, stall). */
  runId: string | null;
  /** Record fields set with the status: outputs, upstream summary, error, cache, result… */
  patch: JobPatch;
  /** The attempt this finish ends, appended to the job's attempt log right before the intent. */
  attempt?: AttemptEntry;
}

/**
 * The one way a job ends, whoever ends it (a run, the API's cancel, the stall handler). A
 * reader sees `succeeded` only once everything it promises is in storage, and no step can be
 * lost to a crash:
 *
 * 1. intent: a compare-and-set writes the finish onto the record (status, fence and no other
 *    finish checked). From here this finish is the job's only possible end: no run can start
 *    nor finish it, and whoever delivers the job next completes this finish instead.
 * 2. the cache pointer (a successful generation) and job.json, in storage, the pointer's hint
 *    in Redis;
 * 3. commit: the intent becomes the record's status and fields in one step;
 * 4. what follows (see `afterFinish`). A job that met one run has nothing to sweep, so its
 *    `?wait=` announcement and batch counts are sent with the commit, in its round trip.
 *
 * Returns the finished record, or null when this caller may not finish the job (a cancel won,
 * a later run took over, another finish is on its way).
 */
export async function finishJob(
  deps: FinishDeps,
  id: string,
  request: FinishRequest,
): Promise<JobRecord | null> {
  const intent: FinishIntent = {
    id: newId('fin'),
    status: request.status,
    finished_at: new Date().toISOString(),
    run_id: request.runId,
    patch: request.patch,
  };
  // One round trip, not four: the attempt entry, the intent, the re-read and the history
  // job.json copies go out together, and one connection runs them in the order sent.
  const [appended, prepared, reread, history] = await Promise.allSettled([
    request.attempt && deps.attempts.append(id, request.attempt),
    deps.jobs.transition(id, request.from, { finishing: intent }, request.runId),
    deps.jobs.get(id),
    deps.attempts.history(id),
  ]);
  if (prepared.status === 'rejected') throw prepared.reason;
  if (prepared.value.outcome !== 'applied') {
    if (appended.status === 'rejected') throw appended.reason;
    return null;
  }
  crashPoint('finish-intent');
  try {
    // The finish is decided: an entry that did not make it is written now, or by no one.
    if (appended.status === 'rejected' && request.attempt)
      await deps.attempts.append(id, request.attempt);
    const record = await readIntent(deps, id, intent.id, reread);
    if (!record) return null;
    return await completeFinish(deps, record, historyRead(request, history));
  } catch (error) {
    throw new FinishPendingError(error);
  }
}

/**
 * The record carrying the intent `intentId`: the read sent with the intent, or a new one when
 * that read failed or did not see the intent (a command retried after a reconnect or a Cluster
 * redirection may run out of the order it was sent in).
 */
async function readIntent(
  deps: FinishDeps,
  id: string,
  intentId: string,
  reread: PromiseSettledResult<JobRecord | null>,
): Promise<JobRecord | null> {
  const first = reread.status === 'fulfilled' ? reread.value : null;
  const record = first?.finishing?.id === intentId ? first : await deps.jobs.get(id);
  return record?.finishing ? record : null;
}

/**
 * The history read with the intent, when it is the one job.json must copy: it holds the attempt
 * entry this finish appended (the commands ran in the order sent), and the finish is a run's
 * own, whose upstream calls all ended before it. Otherwise (a cancel or a stall ends a job
 * another run may still be recording on) job.json reads the history afresh.
 */
function historyRead(
  request: FinishRequest,
  history: PromiseSettledResult<JobHistory>,
): JobHistory | undefined {
  if (request.runId === null || history.status === 'rejected') return undefined;
  const last = history.value.attempts.at(-1);
  const { attempt } = request;
  const holdsEntry =
    attempt === undefined ||
    (last !== undefined &&
      last.run_id === attempt.run_id &&
      last.finished_at === attempt.finished_at &&
      last.outcome === attempt.outcome);
  return holdsEntry ? history.value : undefined;
}

/**
 * Steps 2–4 of a finish whose intent is on `record`: by the caller that wrote it, or by the
 * next delivery of a job whose finisher died. Every step is idempotent and produces the same
 * thing whoever runs it, so running it twice, even at once, is safe.
 */
export async function completeFinish(
  deps: FinishDeps,
  record: JobRecord,
  history?: JobHistory,
): Promise<JobRecord> {
  const intent = record.finishing;
  if (!intent) throw new Error(`job ${record.id} has no finish on its way`);
  const fields: JobPatch = {
    ...(intent.patch as JobPatch),
    status: intent.status,
    finished_at: intent.finished_at,
  };
  const finished: JobRecord = { ...record, ...fields, finishing: null };
  // The pointer and job.json are independent, and both come before the commit: written at
  // once, a finish waits for one storage write (and its fsync), not two in a row.
  const pointer = async () => {
    if (finished.status !== 'succeeded' || finished.cache !== 'miss') return;
    await Promise.all([storeInCache(deps.storage, finished), storeCacheHint(deps, finished)]);
    crashPoint('finish-cache-pointer');
  };
  const jobJson = async () => {
    await writeJobJson(deps.storage, finished, history ?? (await deps.attempts.history(record.id)));
    crashPoint('finish-job-json');
  };
  await Promise.all([pointer(), jobJson()]);
  const commit = deps.jobs.commitFinish(record.id, intent.id, fields);
  // Sent behind the commit: one round trip for both, where there is nothing to sweep first.
  const announced = finished.runs > 1 ? null : announceBehindCommit(deps, finished);
  await commit;
  crashPoint('finish-commit');
  await afterFinish(deps, finished, (await announced) ?? false);
  return finished;
}

/**
 * The `?wait=` announcement and the batch counts of a finish, sent right after its commit on
 * the same connection, which runs them after it. True when both did what they do after a
 * commit; false when either failed, or the sync ran first (see `JobEvents.countFinished`):
 * `afterFinish` then sends them again. Never rejects: the commit's own failure is the one the
 * caller reports.
 */
async function announceBehindCommit(deps: FinishDeps, record: JobRecord): Promise<boolean> {
  try {
    const [, counted] = await Promise.all([
      deps.redis.publish(deps.keys.jobFinishedChannel, record.id),
      deps.events.countFinished(record),
    ]);
    return counted;
  } catch {
    return false;
  }
}

/**
 * {@link completeFinish} for a finish whose writer died (a later delivery found its intent).
 * A writer killed while storing job.json leaves that write's temp object behind (a file
 * driver's temp file, an S3 multipart upload), which nothing else would ever remove; once
 * job.json is stored again here, any still pending is that orphan.
 */
export async function completeOrphanedFinish(
  deps: FinishDeps,
  record: JobRecord,
): Promise<JobRecord> {
  const finished = await completeFinish(deps, record);
  await deps.storage.abortPendingUploads(jobJsonKey(record.id));
  return finished;
}

/**
 * What follows a committed finish, repeated by any later delivery of the finished job: the
 * objects no committed run wrote removed, the `?wait=` announcement, batch counts and the
 * job's webhook (only the webhook when the first two went out with the commit: `announced`).
 * Idempotent.
 */
export async function afterFinish(
  deps: FinishDeps,
  record: JobRecord,
  announced = false,
): Promise<void> {
  // With one run only, nobody else wrote anything: what that run wrote is either committed or
  // removed by the run itself. Only a job that met a second run (a takeover, a retry after a
  // killed worker) can hold another run's leftovers.
  if (record.runs > 1) {
    const removed = await sweepJobObjects(deps.storage, record);
    if (removed > 0)
      deps.logger.info({ job_id: record.id, removed }, 'removed what uncommitted runs had written');
  }
  crashPoint('finish-sweep');
  await Promise.all(
    announced
      ? [deps.events.announceFinished(record)]
      : [deps.redis.publish(deps.keys.jobFinishedChannel, record.id), deps.events.finished(record)],
  );
  crashPoint('finish-events');
}

/**
 * A delivery of a job that is already finished: its finisher may have died after the commit,
 * before what follows; and job.json, which a finish writes before the commit, is restored if
 * storage lost it. Then everything after the commit runs again.
 */
export async function recoverFinished(deps: FinishDeps, record: JobRecord): Promise<void> {
  if ((await deps.storage.head(jobJsonKey(record.id))) === null)
    await writeJobJson(deps.storage, record, await deps.attempts.history(record.id));
  await afterFinish(deps, record);
}
