import { posix } from 'node:path';
import { z } from 'zod';
import { ObjectNotFoundError } from '../errors.ts';
import type { JobRecord, StoredOutput } from '../jobs/job-record.ts';
import type { JobStore } from '../jobs/job-store.ts';
import type { ObjectStorage } from '../storage/object-storage.ts';
import { jobCacheScope } from '../tenants/cache-groups.ts';
import { runFolder } from './job-objects.ts';
import { readJson } from './read-json.ts';

/**
 * The fingerprint cache: `cache/{scope}/{fingerprint}.json` names the job (and its run) whose
 * outputs answer that fingerprint within a cache scope (a tenant, or a configured group of
 * tenants: see src/shared/tenants/cache-groups.ts), so one tenant's request never finds
 * another's result. A hit copies those outputs into the asking run's own folder (server-side),
 * so every job owns one object per output and no job depends on another's lifetime.
 *
 * The pointer is only a hint: a lookup answers only from another job that reads `succeeded`
 * with the very run the pointer names, and copies the outputs that job's record lists. So a
 * pointer written by a finish that never committed, or naming the asking job itself (a worker
 * killed between the pointer and the commit), is a miss, never an answer.
 */
const cachePointerSchema = z.object({
  fingerprint: z.string(),
  job_id: z.string(),
  /** Absent in pointers written before runs were fenced: they name the job's only run. */
  run_id: z.string().nullable().optional(),
  created_at: z.string(),
});

function cacheKey(scope: string, fingerprint: string): string {
  return `cache/${scope}/${fingerprint.replace(/^sha256:/, '')}.json`;
}

/** Points `record`'s fingerprint, in its cache scope, at it: a successful generation. */
export async function storeInCache(storage: ObjectStorage, record: JobRecord): Promise<void> {
  if (record.fingerprint === null) return;
  const pointer = {
    fingerprint: record.fingerprint,
    job_id: record.id,
    run_id: record.run_id,
    created_at: new Date().toISOString(),
  };
  // A hint, not a promise: a pointer lost or torn by a power cut reads as absent (a miss), so
  // it skips the fsync that outputs and job.json pay for.
  await storage.put(cacheKey(jobCacheScope(record), record.fingerprint), JSON.stringify(pointer), {
    contentType: 'application/json',
    durable: false,
  });
}

/**
 * Removes `record`'s cache pointer if it still names that job (a deleted job must not answer,
 * and a later identical request must call the upstream again). A pointer another job wrote
 * since is left alone.
 */
export async function removeFromCache(storage: ObjectStorage, record: JobRecord): Promise<void> {
  if (record.fingerprint === null) return;
  const key = cacheKey(jobCacheScope(record), record.fingerprint);
  const pointer = await readJson(storage, key, cachePointerSchema);
  if (pointer?.job_id === record.id) await storage.delete(key);
}

/** A cache answer: the source job, and its outputs copied under the asking run's folder. */
export interface CacheAnswer {
  sourceJobId: string;
  outputs: StoredOutput[];
  result: unknown;
  /** The upstream endpoint that made the outputs (the same request, so the same endpoint). */
  endpoint: string | null;
}

/** The asking job's run: where a hit's copies go, who may not answer itself, its scope. */
export interface CacheTarget {
  jobId: string;
  runId: string;
  scope: string;
}

/** What a cache lookup reads: the pointers in storage, the source jobs' records. */
export interface CacheDeps {
  storage: ObjectStorage;
  jobs: JobStore;
}

/**
 * The finished job that answers `fingerprint` for `target`, or null on a miss; reads only.
 * The intake asks this first, so a miss (the common case) writes nothing more than before.
 */
export async function findCachedSource(
  deps: CacheDeps,
  fingerprint: string,
  target: Pick<CacheTarget, 'jobId' | 'scope'>,
): Promise<JobRecord | null> {
  const key = cacheKey(target.scope, fingerprint);
  const pointer = await readJson(deps.storage, key, cachePointerSchema);
  if (!pointer) return null;
  const named = { jobId: pointer.job_id, runId: pointer.run_id ?? null };
  if (named.jobId === target.jobId) return null;
  return answersFrom(await deps.jobs.get(named.jobId), fingerprint, named, target);
}

/**
 * `source`, the record of the job a pointer or a cache hint names (`named`), if it answers
 * `fingerprint` for `target`: another job, `succeeded` with the very run named. The one check
 * every lookup makes, whoever read the name and the record.
 */
export function answersFrom(
  source: JobRecord | null,
  fingerprint: string,
  named: { jobId: string; runId: string | null },
  target: Pick<CacheTarget, 'jobId'>,
): JobRecord | null {
  if (
    named.jobId === target.jobId ||
    source?.id !== named.jobId ||
    source.status !== 'succeeded' ||
    source.fingerprint !== fingerprint ||
    source.run_id !== named.runId
  ) {
    return null;
  }
  return source;
}

/** The cached outputs copied into `target`'s run folder, or null on a miss. */
export async function answerFromCache(
  deps: CacheDeps,
  fingerprint: string,
  target: CacheTarget,
): Promise<CacheAnswer | null> {
  const source = await findCachedSource(deps, fingerprint, target);
  return source ? copyCachedOutputs(deps, source, target) : null;
}

/**
 * The outputs of `source` (from {@link findCachedSource}) copied into `target`'s run folder;
 * null when they are gone meanwhile (the source deleted): a miss after all.
 */
export async function copyCachedOutputs(
  deps: CacheDeps,
  source: JobRecord,
  target: CacheTarget,
): Promise<CacheAnswer | null> {
  const outputs: StoredOutput[] = [];
  try {
    for (const output of source.outputs) {
      const key = `${runFolder(target.jobId, target.runId)}${posix.basename(output.key)}`;
      await deps.storage.copy(output.key, key);
      outputs.push({ ...output, key });
    }
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return null;
    throw error;
  }
  return {
    sourceJobId: source.id,
    outputs,
    result: source.result,
    endpoint: source.upstream?.endpoint ?? null,
  };
}
