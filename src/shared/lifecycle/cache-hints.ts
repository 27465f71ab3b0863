import type { JobRecord } from '../jobs/job-record.ts';
import type { Redis } from '../redis/connections.ts';
import type { RedisKeys } from '../redis/keys.ts';
import { jobCacheScope } from '../tenants/cache-groups.ts';

/**
 * Cache hints: a Redis copy of which fingerprints the storage cache (result-cache.ts) can
 * answer, so an intake asks Redis once for a whole batch instead of storage once per item (a
 * batch of misses pays one MGET). A hint only says where to look: a hit is still read from the
 * storage pointer and checked against the source job's record, so a stale hint (its job
 * deleted, its pointer replaced) is a miss like any other, and a missing one (written before
 * hints existed, or expired) leaves the item to its worker's own lookup, as before.
 *
 * A hint names what its storage pointer names, the job and the run that committed it, so a
 * batch intake checks its hits against their sources' records read in bulk from Redis
 * (findHintedSource), without a storage read per hit.
 */

/**
 * How long a hint lives: it bounds the Redis memory hints take, and past JOB_RETENTION_DAYS'
 * default its job record is likely swept anyway. An expired hint costs speed, never a result.
 */
const HINT_TTL_MS = 30 * 24 * 3_600_000;

/** Where hints are kept. */
export interface CacheHintDeps {
  redis: Redis;
  keys: RedisKeys;
}

/** A job that could be answered from the cache: its own, by fingerprint, in its scope. */
export interface CacheCandidate {
  id: string;
  fingerprint: string;
  scope: string;
}

/**
 * What a hint names: the job and its run, as the storage pointer does. `runId` is null in hints
 * written before they named the run (the job id alone): those are checked against the pointer.
 */
export interface CacheHint {
  jobId: string;
  runId: string | null;
}

/** Notes that `record` (a successful generation) answers its fingerprint in its scope. */
export async function storeCacheHint(deps: CacheHintDeps, record: JobRecord): Promise<void> {
  if (record.fingerprint === null) return;
  const key = deps.keys.cacheHint(jobCacheScope(record), record.fingerprint);
  // Ids hold no space: "job run", or the job alone for a record without a run.
  const value = record.run_id === null ? record.id : `${record.id} ${record.run_id}`;
  await deps.redis.set(key, value, 'PX', HINT_TTL_MS);
}

/** A hint's value read back; null for none. */
export function parseCacheHint(value: unknown): CacheHint | null {
  if (typeof value !== 'string' || value === '') return null;
  const [jobId = '', runId] = value.split(' ');
  return { jobId, runId: runId ?? null };
}

/**
 * The key of `record`'s hint if it still names that job, for its deletion to remove (a hint
 * another job wrote since is left alone); null when there is none.
 */
export async function cacheHintNaming(
  deps: CacheHintDeps,
  record: JobRecord,
): Promise<string | null> {
  if (record.fingerprint === null) return null;
  const key = deps.keys.cacheHint(jobCacheScope(record), record.fingerprint);
  return parseCacheHint(await deps.redis.get(key))?.jobId === record.id ? key : null;
}

/**
 * The candidates whose fingerprint has a hint naming another job than themselves, each with
 * its hint, in one MGET; worth a real cache lookup, the others are not.
 */
export async function hintedCandidates<T extends CacheCandidate>(
  deps: CacheHintDeps,
  candidates: readonly T[],
): Promise<(T & { hint: CacheHint })[]> {
  if (candidates.length === 0) return [];
  const hints = await readHints(deps, candidates);
  return candidates.flatMap((c, i) => {
    const hint = parseCacheHint(hints[i]);
    return hint && hint.jobId !== c.id ? [{ ...c, hint }] : [];
  });
}

/**
 * The candidates' hint values, in their order, in one round trip: MGETs of a bounded size, so
 * none holds Redis up for long. A single job's (every `POST /v1/jobs`) is one plain MGET: a
 * pipeline would copy every script its connection defined, a tenth of the intake's CPU in B1.
 */
async function readHints(deps: CacheHintDeps, candidates: readonly CacheCandidate[]) {
  const keysOf = (chunk: readonly CacheCandidate[]) =>
    chunk.map((c) => deps.keys.cacheHint(c.scope, c.fingerprint));
  if (candidates.length <= MGET_SIZE) return deps.redis.mget(keysOf(candidates));
  const pipeline = deps.redis.pipeline();
  for (let start = 0; start < candidates.length; start += MGET_SIZE) {
    pipeline.mget(keysOf(candidates.slice(start, start + MGET_SIZE)));
  }
  const hints: unknown[] = [];
  for (const [error, reply] of (await pipeline.exec()) ?? []) {
    if (error) throw error;
    hints.push(...(reply as unknown[]));
  }
  return hints;
}

/** Keys per MGET. */
const MGET_SIZE = 1_000;
