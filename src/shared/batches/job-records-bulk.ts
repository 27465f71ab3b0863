import type { ChainableCommander } from 'ioredis';
import type { JobRecord } from '../jobs/job-record.ts';
import type { RedisKeys } from '../redis/keys.ts';

/**
 * Adds the commands creating many job records to `pipeline`: one HSET per job (the same
 * hash layout as `JobStore.create`, one JSON-encoded field per attribute) and one ZADD per
 * index for all of them, instead of a MULTI per job. Batch intake writes 10,000 records this
 * way in about a tenth of the time.
 *
 * TODO(owner of job-store.ts): this mirrors JobStore's private layout; it belongs in JobStore
 * (`createMany(pipeline, records)`) so the two cannot drift.
 */
export function addJobRecords(
  pipeline: ChainableCommander,
  keys: RedisKeys,
  records: readonly JobRecord[],
): void {
  const byIndex = new Map<string, string[]>();
  const index = (key: string, id: string) => {
    const ids = byIndex.get(key);
    if (ids) ids.push(id);
    else byIndex.set(key, [id]);
  };
  for (const record of records) {
    pipeline.hset(keys.job(record.id), ...encodeRecord(record));
    index(keys.ownerJobs(record.owner), record.id);
    index(keys.ownerJobsByType(record.owner, record.type), record.id);
  }
  for (const [key, ids] of byIndex) pipeline.zadd(key, ...ids.flatMap((id) => [0, id]));
}

/** HSET's arguments for a record: field, value, field, value… */
function encodeRecord(record: JobRecord): string[] {
  const args: string[] = [];
  for (const key in record) {
    const value = record[key as keyof JobRecord];
    if (value !== undefined) args.push(key, encodeValue(value));
  }
  return args;
}

// Most fields of a fresh record are null, 0, false, empty, or objects shared by many records
// (an upload's input): skip JSON.stringify for those. 10,000 records × 20 fields is 200,000
// calls otherwise, and as much garbage.
const sharedJson = new WeakMap<object, string>();

function encodeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value) && value.length === 0) return '[]';
  if (isEmptyObject(value)) return '{}';
  let json = sharedJson.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    // Frozen: shared between records and never changed, so its JSON can be reused.
    if (Object.isFrozen(value)) sharedJson.set(value, json);
  }
  return json;
}

function isEmptyObject(value: object): boolean {
  for (const _ in value) return false;
  return Object.getPrototypeOf(value) === Object.prototype;
}
