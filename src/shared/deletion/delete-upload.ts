import { ConflictError } from '../errors.ts';
import { isFinished } from '../jobs/job-types.ts';
import { uploadKey, type UploadRecord } from '../uploads/upload-store.ts';
import type { DeletionDeps } from './deletion-deps.ts';

/** An upload a queued or running job still reads: deleting it would fail that job. */
export class UploadInUseError extends ConflictError {
  constructor(jobId: string) {
    super(
      `The upload is the input of job ${jobId}, which has not finished; delete it once that ` +
        'job has finished (or cancel the job).',
      'upload_in_use',
    );
  }
}

const SCAN_PAGE = 500;

/**
 * Deletes an upload: its bytes in storage, its record, its users set and its index entries.
 * Refused (UploadInUseError) while a job using it has not finished; finished jobs keep their
 * outputs, and a retry of one then fails for want of its input.
 */
export async function deleteUpload(deps: DeletionDeps, record: UploadRecord): Promise<void> {
  const user = await unfinishedUser(deps, record.id);
  if (user !== null) throw new UploadInUseError(user);
  await deps.storage.delete(uploadKey(record.id));
  const replies = await deps.redis
    .multi()
    .unlink(deps.keys.upload(record.id), deps.keys.uploadJobs(record.id))
    .zrem(deps.keys.uploadsByAge, record.id)
    .zrem(deps.keys.ownerUploads(record.owner), record.id)
    .zrem(deps.keys.ownerUploadsBySha256(record.owner, record.sha256), record.id)
    .exec();
  const failed = replies?.find(([error]) => error !== null)?.[0];
  if (replies === null || failed) throw failed ?? new Error(`upload ${record.id}: delete aborted`);
}

/** A job using the upload that has not finished (or is finishing), or null. */
async function unfinishedUser(deps: DeletionDeps, uploadId: string): Promise<string | null> {
  let cursor = '0';
  do {
    const [next, ids] = await deps.redis.sscan(
      deps.keys.uploadJobs(uploadId),
      cursor,
      'COUNT',
      SCAN_PAGE,
    );
    cursor = next;
    if (ids.length === 0) continue;
    // A missing record (deleted, or an intake rolled back) uses nothing.
    const records = await deps.jobs.getMany(ids);
    const busy = records.find((r) => r !== null && (!isFinished(r.status) || r.finishing !== null));
    if (busy) return busy.id;
  } while (cursor !== '0');
  return null;
}
