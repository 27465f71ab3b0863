import { z } from 'zod';
import { ObjectNotFoundError } from '../../shared/errors.ts';
import { storedOutputSchema, type StoredOutput } from '../../shared/jobs/job-record.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';
import { readJson } from './read-json.ts';

/**
 * The fingerprint cache: `cache/{scope}/{fingerprint}.json` names the job whose outputs answer
 * that fingerprint within a cache scope (a tenant, or a configured group of tenants: see
 * src/shared/tenants/cache-groups.ts), so one tenant's request never finds another's result. A hit copies those outputs to the new job's own keys (server-side), so every
 * job owns exactly one object per output and no job depends on another's lifetime.
 */
const cachePointerSchema = z.object({
  fingerprint: z.string(),
  job_id: z.string(),
  outputs: z.array(storedOutputSchema),
  result: z.unknown().optional(),
  created_at: z.string(),
});
type CachePointer = z.infer<typeof cachePointerSchema>;

function cacheKey(scope: string, fingerprint: string): string {
  return `cache/${scope}/${fingerprint.replace(/^sha256:/, '')}.json`;
}

export async function storeInCache(
  storage: ObjectStorage,
  scope: string,
  pointer: Omit<CachePointer, 'created_at'>,
): Promise<void> {
  const body = JSON.stringify({ ...pointer, created_at: new Date().toISOString() });
  await storage.put(cacheKey(scope, pointer.fingerprint), body, {
    contentType: 'application/json',
  });
}

/** The cached outputs copied under `jobId`'s keys, or null on a miss (or a stale pointer). */
export async function answerFromCache(
  storage: ObjectStorage,
  scope: string,
  fingerprint: string,
  jobId: string,
): Promise<{ sourceJobId: string; outputs: StoredOutput[]; result: unknown } | null> {
  const pointer = await readJson(storage, cacheKey(scope, fingerprint), cachePointerSchema);
  if (!pointer) return null;
  const outputs: StoredOutput[] = [];
  try {
    for (const output of pointer.outputs) {
      const key = output.key.replace(`jobs/${pointer.job_id}/`, `jobs/${jobId}/`);
      await storage.copy(output.key, key);
      outputs.push({ ...output, key });
    }
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return null;
    throw error;
  }
  return { sourceJobId: pointer.job_id, outputs, result: pointer.result };
}
