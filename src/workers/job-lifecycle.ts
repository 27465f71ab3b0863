import type { JobError, JobRecord } from '../shared/jobs/job-record.ts';
import type { JobStatus } from '../shared/jobs/job-types.ts';
import type { AttemptEntry } from './attempt-log.ts';
import { writeJobJson } from './outputs/job-json.ts';
import type { WorkerDeps } from './worker-deps.ts';

/**
 * The terminal moves of a job. Each is a compare-and-set from `running`, so a cancel that won
 * the race is never overwritten by a late success, then job.json is written and the finish is
 * published for `?wait=` readers.
 */
export async function finishJob(
  deps: WorkerDeps,
  id: string,
  status: Extract<JobStatus, 'succeeded' | 'failed' | 'canceled'>,
  patch: Partial<JobRecord>,
  from: JobStatus[] = ['running'],
): Promise<boolean> {
  const now = new Date().toISOString();
  const applied = await deps.jobs.transition(id, from, { ...patch, status, finished_at: now });
  if (applied.outcome !== 'applied') return false;
  const record = await deps.jobs.get(id);
  if (record) await completeFinish(deps, record);
  return true;
}

/**
 * What follows a job's move to a final status: job.json, the `?wait=` announcement, the batch
 * and webhook hooks. Idempotent, because a worker killed between the move and these steps
 * leaves them to the job's next delivery, which finds the job finished and calls this again.
 */
export async function completeFinish(deps: WorkerDeps, record: JobRecord): Promise<void> {
  await writeJobJson(deps.storage, record, await deps.attempts.read(record.id));
  await deps.redis.publish(deps.keys.jobFinishedChannel, record.id);
  await deps.events.finished(record);
}

/** Removes whatever a canceled job had written, keeping only its job.json and input copy. */
export async function deleteOutputs(deps: WorkerDeps, id: string): Promise<void> {
  for await (const key of deps.storage.list(`jobs/${id}/`)) {
    if (key.endsWith('/job.json') || key.endsWith('/input')) continue;
    await deps.storage.delete(key);
  }
}

export function attemptEntry(
  attempt: number,
  startedAt: string,
  outcome: AttemptEntry['outcome'],
  tracker: { status: number | null; requestId: string | null; headers: Record<string, string> },
  error: JobError | null,
): AttemptEntry {
  return {
    attempt,
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    outcome,
    upstream_status: tracker.status,
    upstream_code: error?.upstream_code ?? null,
    request_id: tracker.requestId,
    headers: tracker.headers,
    error: error ? `${error.code}: ${error.message}` : null,
  };
}
