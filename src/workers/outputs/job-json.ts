import type { JobRecord } from '../../shared/jobs/job-record.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';
import type { AttemptEntry } from '../attempt-log.ts';

/**
 * `jobs/{id}/job.json`, the reproducibility record: the normalized request, seed, fingerprint,
 * model, every attempt and every output's size and hash. It holds no secret: the upstream key
 * travels only in a request header that is never recorded, and owners are stored as hashes.
 */
export async function writeJobJson(
  storage: ObjectStorage,
  record: JobRecord,
  attempts: AttemptEntry[],
  extra: Record<string, unknown> = {},
): Promise<void> {
  const document = {
    id: record.id,
    type: record.type,
    status: record.status,
    created_at: record.created_at,
    started_at: record.started_at,
    finished_at: record.finished_at,
    request: record.request,
    seed: record.seed,
    fingerprint: record.fingerprint,
    model: 'model_id' in record.request.params ? record.request.params.model_id : null,
    input: record.input && { sha256: record.input.sha256, bytes: record.input.bytes },
    cache: record.cache,
    upstream: record.upstream,
    attempts,
    outputs: record.outputs.map(({ key: _key, ...output }) => output),
    error: record.error,
    ...extra,
  };
  await storage.put(`jobs/${record.id}/job.json`, JSON.stringify(document, null, 2), {
    contentType: 'application/json',
  });
}
