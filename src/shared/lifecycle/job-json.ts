import type { JobRecord } from '../jobs/job-record.ts';
import type { ObjectStorage } from '../storage/object-storage.ts';
import type { JobHistory } from './attempt-log.ts';
import { jobJsonKey } from './job-objects.ts';

/**
 * `jobs/{id}/job.json`, the reproducibility record: the normalized request, seed, fingerprint,
 * model, every attempt, every upstream call (what each was billed, its request and history
 * item ids), the usage they add up to and the intake's estimate beside it, and every output's
 * size and hash. It holds no secret: the upstream key travels only in a request header that is
 * never recorded, and owners are stored as hashes.
 */
export async function writeJobJson(
  storage: ObjectStorage,
  record: JobRecord,
  { attempts, calls }: JobHistory,
): Promise<void> {
  const document = {
    id: record.id,
    type: record.type,
    /** How the job came in: api, batch, or gateway (an ElevenLabs SDK call). */
    source: record.source,
    status: record.status,
    created_at: record.created_at,
    started_at: record.started_at,
    finished_at: record.finished_at,
    request: record.request,
    seed: record.seed,
    fingerprint: record.fingerprint,
    model: ('model_id' in record.request.params ? record.request.params.model_id : null) ?? null,
    input: record.input && { sha256: record.input.sha256, bytes: record.input.bytes },
    cache: record.cache,
    upstream: record.upstream,
    usage: record.usage,
    estimate: record.estimate,
    /** The run whose outputs these are, runs started in all, and how many took over another. */
    run_id: record.run_id,
    runs: record.runs,
    takeovers: record.takeovers,
    attempts,
    calls,
    outputs: record.outputs.map(({ key: _key, ...output }) => output),
    error: record.error,
  };
  await storage.put(jobJsonKey(record.id), JSON.stringify(document, null, 2), {
    contentType: 'application/json',
  });
}
