import type { ChainableCommander, Redis } from 'ioredis';
import type { RedisKeys } from '../redis/keys.ts';
import { encodeFields } from './job-record-codec.ts';
import { jobRecordSchema, type JobRecord } from './job-record.ts';
import type { JobStatus, JobType } from './job-types.ts';

/**
 * Job records in Redis: one hash per job (each field JSON-encoded) plus sorted sets that index a
 * key's jobs for listing. Members are job ids with score 0, so they sort lexicographically,
 * which for ULID-based ids is creation order: a cursor is just the last id seen.
 *
 * BullMQ holds the work; this record holds what the API reports. Status changes go through
 * `transition`, a compare-and-set, because the worker and the cancel route race for them.
 */

export type JobPatch = Partial<Omit<JobRecord, 'id' | 'owner' | 'type' | 'created_at'>>;

export type TransitionResult =
  | { outcome: 'applied'; previous: JobStatus }
  | { outcome: 'rejected'; current: JobStatus }
  | { outcome: 'missing' };

export interface ListJobsQuery {
  owner: string;
  type?: JobType;
  status?: JobStatus;
  limit: number;
  /** The last id of the previous page; the next page holds older jobs. */
  cursor?: string;
}

export interface JobPage {
  records: JobRecord[];
  nextCursor: string | null;
}

// Compare-and-set on the status field; applies the patch only when the current status is allowed.
// It also keeps the owner's queued set (MAX_QUEUED_JOBS_PER_TENANT) in step with the status, in
// the same script, so the two never disagree whoever moves the job. ARGV: allowed statuses,
// tenant key prefix, job id, then the patch's field/value pairs.
const transitionScript = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return {'missing', ''} end
local allowed = cjson.decode(ARGV[1])
local ok = #allowed == 0
for _, status in ipairs(allowed) do
  if status == current then ok = true end
end
if not ok then return {'rejected', current} end
if #ARGV > 3 then redis.call('HSET', KEYS[1], unpack(ARGV, 4)) end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= current and (status == '"queued"' or current == '"queued"') then
  local owner = redis.call('HGET', KEYS[1], 'owner')
  if owner then
    local set = ARGV[2] .. cjson.decode(owner) .. ':queued'
    if status == '"queued"' then redis.call('SADD', set, ARGV[3]) else redis.call('SREM', set, ARGV[3]) end
  end
end
return {'applied', current}
`;

/** How many records one list call reads at most while filtering by status. */
const LIST_SCAN_BUDGET = 2_000;

export class JobStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async create(record: JobRecord): Promise<void> {
    const transaction = this.redis.multi();
    this.addCreates(transaction, [record]);
    await transaction.exec();
  }

  /**
   * Adds the commands that create `records` to a pipeline or transaction of the caller's:
   * one HSET per job and one ZADD per index for all of them (batch intake writes thousands).
   */
  addCreates(pipeline: ChainableCommander, records: readonly JobRecord[]): void {
    const byIndex = new Map<string, string[]>();
    const index = (key: string, id: string) => {
      const ids = byIndex.get(key);
      if (ids) ids.push(id);
      else byIndex.set(key, [id]);
    };
    for (const record of records) {
      pipeline.hset(this.keys.job(record.id), encodeFields(record));
      index(this.keys.ownerJobs(record.owner), record.id);
      index(this.keys.ownerJobsByType(record.owner, record.type), record.id);
    }
    for (const [key, ids] of byIndex) pipeline.zadd(key, ...ids.flatMap((id) => [0, id]));
  }

  /**
   * Adds the commands that remove `owner`'s records, their index entries and their places in
   * the owner's queued set (undoing a write).
   */
  addRemoves(
    pipeline: ChainableCommander,
    owner: string,
    records: readonly Pick<JobRecord, 'id' | 'type'>[],
  ): void {
    for (const { id, type } of records) {
      pipeline
        .unlink(this.keys.job(id))
        .zrem(this.keys.ownerJobs(owner), id)
        .zrem(this.keys.ownerJobsByType(owner, type), id)
        .srem(this.keys.tenantQueued(owner), id);
    }
  }

  async get(id: string): Promise<JobRecord | null> {
    const fields = await this.redis.hgetall(this.keys.job(id));
    return Object.keys(fields).length === 0 ? null : decode(fields);
  }

  /** The job when it exists and belongs to `owner`; null otherwise (others' jobs are 404). */
  async getOwned(id: string, owner: string): Promise<JobRecord | null> {
    const record = await this.get(id);
    return record?.owner === owner ? record : null;
  }

  async patch(id: string, patch: JobPatch): Promise<void> {
    await this.redis.hset(this.keys.job(id), encodeFields(patch));
  }

  /** Applies `patch` only if the job's status is one of `from` (any, when empty). */
  async transition(id: string, from: JobStatus[], patch: JobPatch): Promise<TransitionResult> {
    const args = Object.entries(encodeFields(patch)).flat();
    const [outcome, status] = (await this.redis.eval(
      transitionScript,
      1,
      this.keys.job(id),
      JSON.stringify(from.map((s) => JSON.stringify(s))),
      this.keys.tenantPrefix,
      id,
      ...args,
    )) as [string, string];
    if (outcome === 'missing') return { outcome: 'missing' };
    const parsed = JSON.parse(status) as JobStatus;
    return outcome === 'applied'
      ? { outcome: 'applied', previous: parsed }
      : { outcome: 'rejected', current: parsed };
  }

  /** Newest first. Filtering by status reads at most LIST_SCAN_BUDGET records per call. */
  async list(query: ListJobsQuery): Promise<JobPage> {
    const index = query.type
      ? this.keys.ownerJobsByType(query.owner, query.type)
      : this.keys.ownerJobs(query.owner);
    const records: JobRecord[] = [];
    let upper = query.cursor ? `(${query.cursor}` : '+';
    let scanned = 0;
    while (records.length < query.limit && scanned < LIST_SCAN_BUDGET) {
      const want = query.status
        ? Math.min(200, LIST_SCAN_BUDGET - scanned)
        : query.limit - records.length;
      const ids = await this.redis.zrevrangebylex(index, upper, '-', 'LIMIT', 0, want);
      if (ids.length === 0) return { records, nextCursor: null };
      scanned += ids.length;
      for (const [i, record] of (await this.getMany(ids)).entries()) {
        upper = `(${ids[i]}`;
        if (record && (!query.status || record.status === query.status)) records.push(record);
        if (records.length === query.limit) break;
      }
      if (ids.length < want && records.length < query.limit) return { records, nextCursor: null };
    }
    return { records, nextCursor: upper.slice(1) };
  }

  private async getMany(ids: string[]): Promise<(JobRecord | null)[]> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.job(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, fields]) => {
      if (error) throw error;
      const hash = fields as Record<string, string>;
      return Object.keys(hash).length === 0 ? null : decode(hash);
    });
  }
}

function decode(fields: Record<string, string>): JobRecord {
  const raw = Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [key, JSON.parse(value) as unknown]),
  );
  return jobRecordSchema.parse(raw);
}
