import { computeFingerprint } from '../shared/jobs/fingerprint.ts';
import type { JobRecord, ResolvedInput, StoredOutput } from '../shared/jobs/job-record.ts';
import type { Logger } from '../shared/logger.ts';
import { jobCacheScope } from '../shared/tenants/cache-groups.ts';
import type { CallTracker } from './call-tracker.ts';
import { definitionFor } from './jobs/registry.ts';
import { answerFromCache } from './outputs/result-cache.ts';
import type { WorkerDeps } from './worker-deps.ts';

export interface AttemptResult {
  outputs: StoredOutput[];
  endpoint: string;
  fingerprint: string;
  cacheHit: boolean;
  result?: unknown;
}

/**
 * One attempt at a job: make sure the input is in storage, fix the fingerprint, answer from the
 * cache when allowed, otherwise run the type's module against the upstream.
 */
export async function runAttempt(
  deps: WorkerDeps,
  record: JobRecord,
  tracker: CallTracker,
  signal: AbortSignal,
  logger: Logger,
): Promise<AttemptResult> {
  const definition = definitionFor(record.type);
  const input = await ensureInputStored(deps, record, signal);
  const fingerprint =
    record.fingerprint ?? computeFingerprint(record.request, record.seed, input?.sha256 ?? null);
  if (record.fingerprint === null) await deps.jobs.patch(record.id, { fingerprint, input });

  if (record.request.cache === 'use') {
    const scope = jobCacheScope(record);
    const cached = await answerFromCache(deps.storage, scope, fingerprint, record.id);
    if (cached) {
      logger.info({ source_job_id: cached.sourceJobId }, 'answered from the fingerprint cache');
      return {
        outputs: cached.outputs,
        endpoint: definition.endpoint(record.request),
        fingerprint,
        cacheHit: true,
        result: cached.result,
      };
    }
  }

  const outcome = await definition.run({
    job: record,
    seed: record.seed,
    inputKey: input?.key ?? null,
    inputBytes: input?.bytes ?? null,
    inputContentType: input?.content_type ?? null,
    storage: deps.storage,
    callUpstream: tracker.call,
    signal,
    logger,
  });
  return { ...outcome, fingerprint, cacheHit: false };
}

/** URL inputs are fetched once into `jobs/{id}/input`, so retries and hashing read storage. */
async function ensureInputStored(
  deps: WorkerDeps,
  record: JobRecord,
  signal: AbortSignal,
): Promise<ResolvedInput | null> {
  const input = record.input;
  if (!input || input.key !== null || input.url === null) return input;
  const fetched = await deps.inputs.fetchInput(input.url, signal);
  const key = `jobs/${record.id}/input`;
  const stored = await deps.storage.put(key, fetched.body, {
    contentType: fetched.contentType ?? 'application/octet-stream',
    maxBytes: deps.config.MAX_UPLOAD_BYTES,
    signal,
  });
  return {
    ...input,
    key,
    sha256: stored.sha256,
    bytes: stored.bytes,
    content_type: fetched.contentType,
  };
}
