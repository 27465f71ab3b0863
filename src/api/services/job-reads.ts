import type { Readable } from 'node:stream';
import { NotFoundError, ObjectNotFoundError, ValidationError } from '../../shared/errors.ts';
import { isId } from '../../shared/ids.ts';
import type { JobRecord, JobView } from '../../shared/jobs/job-record.ts';
import type { JobStore } from '../../shared/jobs/job-store.ts';
import { isFinished } from '../../shared/jobs/job-types.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';
import type { JobList, ListJobsQuery } from '../schemas.ts';
import type { JobWaiter } from './job-waiter.ts';
import { outputFileName, toJobView, type OutputUrl } from './job-views.ts';

/** Records, the storage serving outputs, the long-poll waiter and output URL policy. */
export type JobReadsDeps = {
  jobs: JobStore;
  storage: ObjectStorage;
  waiter: JobWaiter;
  outputUrl: OutputUrl;
  presignTtlSeconds: number;
};

/** How an output is delivered: a redirect to a presigned URL, or the bytes themselves. */
export type OutputDelivery =
  | { kind: 'redirect'; url: string }
  | { kind: 'bytes'; body: Readable; contentType: string; bytes: number; fileName: string };

/** Re-read interval of a long poll: the floor under pub/sub's best effort. */
const WAIT_POLL_MS = 1_000;

/** Reading jobs: one, a page, or an output. Others' jobs do not exist (404, never 403). */
export class JobReads {
  constructor(private readonly deps: JobReadsDeps) {}

  /** The caller's job, or 404. */
  async record(owner: string, id: string): Promise<JobRecord> {
    const record = isId('job', id) ? await this.deps.jobs.getOwned(id, owner) : null;
    if (!record) throw new NotFoundError('Job');
    return record;
  }

  /**
   * The job, as soon as it is finished or after `waitSeconds`, whichever comes first; at once
   * without a wait. `signal` ends the wait early when the client goes away.
   */
  async get(owner: string, id: string, waitSeconds = 0, signal?: AbortSignal): Promise<JobView> {
    const deadline = Date.now() + waitSeconds * 1000;
    let record = await this.record(owner, id);
    while (!isFinished(record.status) && Date.now() < deadline && !signal?.aborted) {
      await this.deps.waiter.next(id, Math.min(WAIT_POLL_MS, deadline - Date.now()), signal);
      record = await this.record(owner, id);
    }
    return this.view(record);
  }

  /** The public view of a record (output URLs presigned or routed). */
  view(record: JobRecord): Promise<JobView> {
    return toJobView(record, this.deps.outputUrl);
  }

  /** A page of the caller's jobs, newest first. */
  async list(owner: string, query: ListJobsQuery): Promise<JobList> {
    if (query.cursor !== undefined && !isId('job', query.cursor)) {
      throw new ValidationError('Invalid cursor.', [
        { field: 'cursor', message: 'must be the next_cursor of a previous page' },
      ]);
    }
    const page = await this.deps.jobs.list({
      owner,
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.type ? { type: query.type } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    const data = await Promise.all(page.records.map((record) => this.view(record)));
    return { object: 'list', data, next_cursor: page.nextCursor };
  }

  /** An output by name: a presigned redirect (S3) or a stream of its bytes (file driver). */
  async output(owner: string, id: string, name: string): Promise<OutputDelivery> {
    const record = await this.record(owner, id);
    const output = record.outputs.find((candidate) => candidate.name === name);
    if (!output) throw new NotFoundError('Output');
    const fileName = outputFileName(record, output);
    const url = await this.deps.storage.presignGet(output.key, {
      expiresInSeconds: this.deps.presignTtlSeconds,
      fileName,
    });
    if (url) return { kind: 'redirect', url };
    const body = await this.deps.storage.get(output.key).catch((error: unknown) => {
      // The record names an object storage no longer has; the key itself stays internal.
      throw error instanceof ObjectNotFoundError ? new NotFoundError('Output') : error;
    });
    return { kind: 'bytes', body, contentType: output.content_type, bytes: output.bytes, fileName };
  }
}
