import { Readable } from 'node:stream';
import type { Redis } from '../../shared/redis/connections.ts';
import type { BatchKeys } from '../../shared/batches/batch-keys.ts';
import type { BatchView } from '../../shared/batches/batch-record.ts';
import { batchRecords, resultLine } from '../../shared/batches/batch-results.ts';
import type { BatchStore, StoredBatch } from '../../shared/batches/batch-store.ts';
import { toBatchView } from '../../shared/batches/batch-view.ts';
import { NotFoundError, ValidationError } from '../../shared/errors.ts';
import { isId } from '../../shared/ids.ts';
import type { JobRecord } from '../../shared/jobs/job-record.ts';
import { idFilter, type JobStore } from '../../shared/jobs/job-store.ts';
import type { JobList } from '../schemas.ts';
import type { BatchList, ListBatchesQuery, ListBatchJobsQuery } from './batch-schemas.ts';
import type { JobReads } from './job-reads.ts';
import type { OutputUrl } from './job-views.ts';

export interface BatchReadsDeps {
  redis: Redis;
  batchKeys: BatchKeys;
  batches: BatchStore;
  jobs: JobStore;
  jobReads: JobReads;
  outputUrl: OutputUrl;
}

/** Ids one page of `GET /v1/batches/{id}/jobs` looks at, at most, while filtering. */
const SCAN_BUDGET = 5_000;
/** Ids read per round trip while filtering. */
const FILTER_PAGE = 500;

/** Reading batches: one, a page, a batch's jobs, its results. Others' batches are 404. */
export class BatchReads {
  constructor(private readonly deps: BatchReadsDeps) {}

  /** The caller's batch, or 404. */
  async stored(owner: string, id: string): Promise<StoredBatch> {
    const found = isId('bat', id) ? await this.deps.batches.getOwned(id, owner) : null;
    if (!found) throw new NotFoundError('Batch');
    return found;
  }

  async get(owner: string, id: string): Promise<BatchView> {
    return toBatchView(...unpack(await this.stored(owner, id)));
  }

  /** The caller's batches, newest first. */
  async list(owner: string, query: ListBatchesQuery): Promise<BatchList> {
    if (query.cursor !== undefined && !isId('bat', query.cursor)) throw invalidCursor();
    const page = await this.deps.batches.list(owner, query.limit, query.cursor);
    const data = page.batches.map((batch) => toBatchView(...unpack(batch)));
    return { object: 'list', data, next_cursor: page.nextCursor };
  }

  /**
   * A page of the batch's jobs in item order. The type and status filters first read those two
   * fields of a page of ids (one pipeline) and only then the matching records.
   */
  async jobs(owner: string, id: string, query: ListBatchJobsQuery): Promise<JobList> {
    await this.stored(owner, id);
    if (query.cursor !== undefined && !isId('job', query.cursor)) throw invalidCursor();
    const page = await this.page(id, query);
    const data = await Promise.all(page.records.map((record) => this.deps.jobReads.view(record)));
    return { object: 'list', data, next_cursor: page.nextCursor };
  }

  private async page(
    id: string,
    query: ListBatchJobsQuery,
  ): Promise<{ records: JobRecord[]; nextCursor: string | null }> {
    const { redis, batchKeys, jobs } = this.deps;
    const filtered = query.status !== undefined || query.type !== undefined;
    const records: JobRecord[] = [];
    let last = query.cursor ?? null;
    for (let scanned = 0; scanned < SCAN_BUDGET;) {
      const want = filtered ? FILTER_PAGE : query.limit - records.length;
      const lower = last === null ? '-' : `(${last}`;
      const ids = await redis.zrangebylex(batchKeys.jobs(id), lower, '+', 'LIMIT', 0, want);
      if (ids.length === 0) return { records, nextCursor: null };
      scanned += ids.length;
      const wanted = filtered ? await jobs.filterIds(ids, idFilter(query)) : ids;
      const read = await jobs.getMany(wanted);
      const byId = new Map(read.flatMap((record) => (record ? [[record.id, record]] : [])));
      for (const jobId of ids) {
        last = jobId;
        const record = byId.get(jobId);
        if (record && matches(record, query)) records.push(record);
        if (records.length === query.limit) return { records, nextCursor: jobId };
      }
      if (ids.length < want) return { records, nextCursor: null };
    }
    // Budget spent: a partial page, and where the next one picks up.
    return { records, nextCursor: last };
  }

  /**
   * The batch's results as NDJSON, one line per item in item order, streamed from Redis a page
   * at a time (never built in memory). Output URLs are presigned (S3) or the output route.
   */
  async results(owner: string, id: string): Promise<Readable> {
    await this.stored(owner, id);
    const { redis, batchKeys, jobs, outputUrl } = this.deps;
    async function* lines(): AsyncGenerator<string> {
      for await (const record of batchRecords(redis, batchKeys, jobs, id)) {
        const outputs = await Promise.all(
          record.outputs.map(async (output) => {
            const { key: _key, ...shown } = output;
            return { ...shown, url: await outputUrl(record, output) };
          }),
        );
        yield resultLine(record, outputs);
      }
    }
    return Readable.from(lines());
  }
}

function unpack(batch: StoredBatch): [StoredBatch['record'], StoredBatch['state']] {
  return [batch.record, batch.state];
}

function matches(record: JobRecord, query: ListBatchJobsQuery): boolean {
  return (
    (query.status === undefined || record.status === query.status) &&
    (query.type === undefined || record.type === query.type)
  );
}

function invalidCursor(): ValidationError {
  return new ValidationError('Invalid cursor.', [
    { field: 'cursor', message: 'must be the next_cursor of a previous page' },
  ]);
}
