import type { Redis } from '../redis/connections.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import type { JobStore } from '../jobs/job-store.ts';
import type { BatchKeys } from './batch-keys.ts';

/** How many job records one step of a walk over a batch reads (one pipelined round trip). */
const PAGE = 250;

/**
 * The batch's job records in item order, a page at a time: the cursor is the last id read,
 * so memory holds one page whatever the batch's size, and a walk survives concurrent writes.
 */
export async function* batchRecords(
  redis: Redis,
  keys: BatchKeys,
  jobs: JobStore,
  batchId: string,
): AsyncGenerator<JobRecord> {
  let lower = '-';
  for (;;) {
    const ids = await redis.zrangebylex(keys.jobs(batchId), lower, '+', 'LIMIT', 0, PAGE);
    if (ids.length === 0) return;
    const records = await Promise.all(ids.map((id) => jobs.get(id)));
    for (const record of records) if (record) yield record;
    if (ids.length < PAGE) return;
    lower = `(${ids.at(-1)}`;
  }
}

/**
 * One line of a batch's results: what the item became. `outputs` are the record's outputs as
 * the reader should see them (with a URL from the API; with the storage key in the file
 * written to storage, which sits beside them).
 */
export function resultLine(record: JobRecord, outputs: readonly object[]): string {
  return `${JSON.stringify({
    custom_id: record.custom_id,
    job_id: record.id,
    status: record.status,
    seed: record.seed,
    fingerprint: record.fingerprint,
    outputs,
    error: record.error,
    usage: record.usage,
    estimate: record.estimate,
    upstream: record.upstream,
  })}\n`;
}
