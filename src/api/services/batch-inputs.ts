import type { ResolvedInput } from '../../shared/jobs/job-record.ts';
import { inputFormatProblems } from '../../shared/uploads/input-format.ts';
import type { UploadRecord, UploadStore } from '../../shared/uploads/upload-store.ts';
import type { BatchItem } from './batch-items.ts';
import type { BatchProblems } from './batch-problems.ts';

/** Upload lookups in flight at once (ioredis pipelines them on one connection). */
const LOOKUP_CHUNK = 1_000;

/**
 * Every item's input audio, resolved as single-job intake does: an upload must exist and be
 * the caller's (another key's upload is "not found", so existence does not leak), a URL is
 * kept for the worker to fetch. Each distinct upload is read once, in pipelined chunks.
 */
export async function resolveInputs(
  uploads: UploadStore,
  owner: string,
  items: readonly (BatchItem | null)[],
  problems: BatchProblems,
): Promise<(ResolvedInput | null)[]> {
  const ids = new Set<string>();
  for (const item of items) {
    const uploadId = item ? inputOf(item)?.upload_id : undefined;
    if (uploadId !== undefined) ids.add(uploadId);
  }
  const found = await lookUp(uploads, owner, [...ids]);
  return items.map((item, index) => {
    const input = item ? inputOf(item) : undefined;
    if (!input) return null;
    if (input.url !== undefined)
      return { key: null, url: input.url, sha256: null, bytes: null, content_type: null };
    // One frozen object per upload, shared by its items (their records encode it once).
    const upload = input.upload_id === undefined ? null : found.get(input.upload_id);
    const label = ` (custom_id ${JSON.stringify(item?.custom_id)})`;
    if (!upload || !item) {
      problems.add(index, {
        field: `items[${index}].input.upload_id`,
        message: `upload not found${label}`,
        code: 'not_found',
      });
      return null;
    }
    for (const detail of inputFormatProblems(item, upload.content_type, `items[${index}].`))
      problems.add(index, { ...detail, message: `${detail.message}${label}` });
    return upload;
  });
}

async function lookUp(
  uploads: UploadStore,
  owner: string,
  ids: readonly string[],
): Promise<Map<string, Readonly<ResolvedInput> | null>> {
  const found = new Map<string, Readonly<ResolvedInput> | null>();
  for (let start = 0; start < ids.length; start += LOOKUP_CHUNK) {
    const chunk = ids.slice(start, start + LOOKUP_CHUNK);
    const records = await Promise.all(chunk.map((id) => uploads.getOwned(id, owner)));
    chunk.forEach((id, i) => {
      const upload = records[i];
      found.set(id, upload ? Object.freeze(resolved(upload)) : null);
    });
  }
  return found;
}

function resolved({ key, sha256, bytes, content_type }: UploadRecord): ResolvedInput {
  return { key, url: null, sha256, bytes, content_type };
}

function inputOf(item: BatchItem): { upload_id?: string; url?: string } | undefined {
  return 'input' in item ? item.input : undefined;
}
