import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredBatch } from '../../shared/batches/batch-store.ts';
import { deleteBatch } from '../../shared/deletion/delete-batch.ts';
import { deleteJob } from '../../shared/deletion/delete-job.ts';
import { deleteUpload } from '../../shared/deletion/delete-upload.ts';
import type { DeletionDeps } from '../../shared/deletion/deletion-deps.ts';
import { ConflictError, NotFoundError } from '../../shared/errors.ts';
import { isId } from '../../shared/ids.ts';
import type { JobRecord } from '../../shared/jobs/job-record.ts';
import { isFinished } from '../../shared/jobs/job-types.ts';
import type { UploadStore } from '../../shared/uploads/upload-store.ts';
import type { BatchControl } from './batch-control.ts';
import type { BatchReads } from './batch-reads.ts';
import type { JobControl } from './job-control.ts';
import type { JobReads } from './job-reads.ts';

export interface DeletionsDeps {
  deletion: DeletionDeps;
  reads: JobReads;
  control: JobControl;
  batchReads: BatchReads;
  batchControl: BatchControl;
  uploads: UploadStore;
}

/** How long a DELETE waits for what it canceled to finish before answering 409 `*_busy`. */
const CANCEL_WAIT_MS = 15_000;
const CANCEL_POLL_MS = 200;

/**
 * `DELETE /v1/jobs/{id}`, `/v1/batches/{id}`, `/v1/uploads/{id}`. What a user asks for is the
 * thing gone, so a job or batch still queued or running is canceled first, through the one
 * cancel path (a queued job is finished at once; a running one is aborted by its worker), and
 * deleted once finished; only when that takes longer than CANCEL_WAIT_MS is the answer a 409
 * (`job_busy`, `batch_busy`: the cancel stands, delete again shortly). Others' resources are
 * 404, as on GET.
 */
export class Deletions {
  constructor(private readonly deps: DeletionsDeps) {}

  async job(owner: string, id: string): Promise<void> {
    const record = await this.deps.reads.record(owner, id);
    if (record.batch_id !== null) {
      throw new ConflictError(
        `The job is an item of batch ${record.batch_id}; its jobs are deleted with the batch.`,
        'job_in_batch',
      );
    }
    await deleteJob(this.deps.deletion, await this.finishedJob(owner, record));
  }

  async batch(owner: string, id: string): Promise<void> {
    let batch = await this.deps.batchReads.stored(owner, id);
    if (!batchFinished(batch)) {
      await this.deps.batchControl.cancel(owner, id);
      batch = await this.until(
        () => this.deps.batchReads.stored(owner, id),
        batchFinished,
        new ConflictError(
          'The batch is canceled but some of its jobs are still stopping; delete it again shortly.',
          'batch_busy',
        ),
      );
    }
    await deleteBatch(this.deps.deletion, batch);
  }

  async upload(owner: string, id: string): Promise<void> {
    const record = isId('upl', id) ? await this.deps.uploads.getOwned(id, owner) : null;
    if (!record) throw new NotFoundError('Upload');
    await deleteUpload(this.deps.deletion, record);
  }

  /** The job once finished: canceled first when it is not. */
  private async finishedJob(owner: string, record: JobRecord): Promise<JobRecord> {
    if (jobFinished(record)) return record;
    try {
      await this.deps.control.cancel(owner, record.id);
    } catch (error) {
      // It finished (or started finishing) meanwhile: what follows waits for that.
      if (!(error instanceof ConflictError)) throw error;
    }
    return this.until(
      () => this.deps.reads.record(owner, record.id),
      jobFinished,
      new ConflictError(
        'The job is canceled but its worker has not stopped it yet; delete it again shortly.',
        'job_busy',
      ),
    );
  }

  private async until<T>(read: () => Promise<T>, done: (value: T) => boolean, busy: Error) {
    const deadline = Date.now() + CANCEL_WAIT_MS;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() >= deadline) throw busy;
      await sleep(CANCEL_POLL_MS);
    }
  }
}

function jobFinished(record: JobRecord): boolean {
  return isFinished(record.status) && record.finishing === null;
}

/** Every job finished and the results of that completion written. */
function batchFinished({ state }: StoredBatch): boolean {
  return state.complete && state.finalized >= state.generation;
}
