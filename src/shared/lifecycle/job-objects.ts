import { idTime } from '../ids.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { deleteFolder } from '../storage/delete-folder.ts';
import type { ObjectStorage } from '../storage/object-storage.ts';

/**
 * Where a job's objects live. Each run of a job writes under a folder of its own,
 * `jobs/{job_id}/runs/{run_id}/`, so two runs of one job (a takeover after a lost lock) never
 * write the same key: the run that commits is the one whose keys the record lists, and no
 * other run can touch them. `job.json` sits beside the runs and is written only by whoever
 * holds the job's finish (see finish-job.ts).
 */

export function jobFolder(jobId: string): string {
  return `jobs/${jobId}/`;
}

export function runFolder(jobId: string, runId: string): string {
  return `jobs/${jobId}/runs/${runId}/`;
}

/** A URL input as fetched by one run: kept while the record names it. */
export function inputKey(jobId: string, runId: string): string {
  return `jobs/${jobId}/inputs/${runId}`;
}

export function jobJsonKey(jobId: string): string {
  return `jobs/${jobId}/job.json`;
}

/**
 * What a run that will not commit leaves behind, removed: its own folder and its unfinished
 * uploads. Nothing outside its folder, so nothing another run committed.
 */
export async function removeRunObjects(
  storage: ObjectStorage,
  jobId: string,
  runId: string,
): Promise<number> {
  return deleteFolder(storage, runFolder(jobId, runId));
}

/**
 * After a finish: the objects of the job's runs that did not commit (killed, fenced out, or
 * this one when the job failed) and their unfinished uploads, removed; what the record lists
 * (outputs, input) and job.json stay. Only runs started before the finish are touched: a run
 * started later (the job retried meanwhile) is not this finish's to clean.
 */
export async function sweepJobObjects(storage: ObjectStorage, record: JobRecord): Promise<number> {
  const keep = new Set([jobJsonKey(record.id), ...record.outputs.map((output) => output.key)]);
  if (record.input?.key) keep.add(record.input.key);
  const finishedAt = Date.parse(record.finished_at ?? '') || Date.now();
  const sweepable = (key: string): boolean => {
    if (keep.has(key)) return false;
    const runId = runOf(record.id, key) ?? inputRunOf(record.id, key);
    return runId === null || !runId.startsWith('run_') || idTime(runId) <= finishedAt;
  };
  let removed = 0;
  for (const key of await storage.listPendingUploads(jobFolder(record.id))) {
    if (!sweepable(key)) continue;
    const runId = runOf(record.id, key);
    if (runId !== null) removed += await storage.abortPendingUploads(runFolder(record.id, runId));
  }
  for await (const key of storage.list(jobFolder(record.id))) {
    if (!sweepable(key)) continue;
    await storage.delete(key);
    removed++;
  }
  return removed;
}

/** The run id of an input a run fetched, or null. */
function inputRunOf(jobId: string, key: string): string | null {
  const prefix = `jobs/${jobId}/inputs/`;
  return key.startsWith(prefix) ? key.slice(prefix.length) : null;
}

/** The run id of a key inside a run folder of the job, or null. */
function runOf(jobId: string, key: string): string | null {
  const prefix = `jobs/${jobId}/runs/`;
  if (!key.startsWith(prefix)) return null;
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf('/');
  return slash > 0 ? rest.slice(0, slash) : null;
}
