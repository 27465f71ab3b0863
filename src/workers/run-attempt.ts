import { teesAnswer } from '../shared/jobs/answer-stream.ts';
import { computeFingerprint } from '../shared/jobs/fingerprint.ts';
import type { ResolvedInput, StoredOutput } from '../shared/jobs/job-record.ts';
import { inputKey, runFolder } from '../shared/lifecycle/job-objects.ts';
import { answerFromCache } from '../shared/lifecycle/result-cache.ts';
import { jobCacheScope } from '../shared/tenants/cache-groups.ts';
import type { AttemptContext } from './attempt-outcomes.ts';
import type { FlowContext } from './dub/dub-flow.ts';
import { definitionFor } from './jobs/registry.ts';
import { teeAnswers } from './upstream/answer-tee.ts';
import { withUpstreamExtra } from './upstream/upstream-extra.ts';
import type { WorkerDeps } from './worker-deps.ts';

export interface AttemptResult {
  outputs: StoredOutput[];
  endpoint: string;
  fingerprint: string;
  /** The input as this run used it (a URL input: fetched into storage, hashed). */
  input: ResolvedInput | null;
  cacheHit: boolean;
  result?: unknown;
}

/**
 * One attempt at a job: make sure the input is in storage, fix the fingerprint, answer from the
 * cache when allowed, otherwise run the type's module against the upstream. Everything the
 * run writes goes under its own run folder.
 */
export async function runAttempt(
  deps: WorkerDeps,
  context: AttemptContext,
  signal: AbortSignal,
  flow: FlowContext | null = null,
): Promise<AttemptResult> {
  const { record, runId, tracker, logger } = context;
  const definition = definitionFor(record.type);
  const input = await ensureInputStored(deps, context, signal);
  const fingerprint =
    record.fingerprint ?? computeFingerprint(record.request, record.seed, input?.sha256 ?? null);
  const endpoint = definition.endpoint(record.request);

  if (record.request.cache === 'use') {
    const target = { jobId: record.id, runId, scope: jobCacheScope(record) };
    const cached = await answerFromCache(deps, fingerprint, target);
    if (cached) {
      logger.info({ source_job_id: cached.sourceJobId }, 'answered from the fingerprint cache');
      const { outputs, result } = cached;
      return { outputs, endpoint, fingerprint, input, cacheHit: true, result };
    }
  }

  const outcome = await definition.run({
    job: record,
    seed: record.seed,
    inputKey: input?.key ?? null,
    inputBytes: input?.bytes ?? null,
    inputContentType: input?.content_type ?? null,
    outputFolder: runFolder(record.id, runId),
    storage: deps.storage,
    callUpstream: withUpstreamExtra(
      record.request.upstream_extra,
      teesAnswer(record)
        ? teeAnswers(deps.redis, deps.keys.gatewayAnswer(record.id), logger, tracker.call)
        : tracker.call,
    ),
    signal,
    logger,
    flow,
  });
  return { ...outcome, fingerprint, input, cacheHit: false };
}

/**
 * URL inputs are fetched once into storage, so retries and hashing read storage: under a key
 * of the fetching run's own, then recorded on the job (fenced: only while this run holds it),
 * so later runs of the job reuse that copy. Not inside the run folder: that goes when the run
 * fails, and the input must outlive it.
 */
async function ensureInputStored(
  deps: WorkerDeps,
  context: AttemptContext,
  signal: AbortSignal,
): Promise<ResolvedInput | null> {
  const { record, runId } = context;
  const input = record.input;
  if (!input || input.key !== null || input.url === null) return input;
  const fetched = await deps.inputs.fetchInput(input.url, signal);
  const key = inputKey(record.id, runId);
  const stored = await deps.storage.put(key, fetched.body, {
    contentType: fetched.contentType ?? 'application/octet-stream',
    maxBytes: deps.config.MAX_UPLOAD_BYTES,
    signal,
  });
  const resolved: ResolvedInput = {
    ...input,
    key,
    sha256: stored.sha256,
    bytes: stored.bytes,
    content_type: fetched.contentType,
  };
  const fingerprint = computeFingerprint(record.request, record.seed, stored.sha256);
  await deps.jobs.transition(record.id, ['running'], { input: resolved, fingerprint }, runId);
  return resolved;
}
