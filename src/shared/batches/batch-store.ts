import type { ChainableCommander } from 'ioredis';
import type { Redis } from '../redis/connections.ts';
import type { BatchKeys } from './batch-keys.ts';
import {
  batchRecordSchema,
  batchStateSchema,
  type BatchRecord,
  type BatchState,
} from './batch-record.ts';
import { luaScript, runScript } from '../redis/lua-scripts.ts';

// KEYS: state, owner's batch index. ARGV: batch id. writing → queueing, and listed.
const commitIntakeScript = luaScript(
  'intake_commit',
  `
if redis.call('HGET', KEYS[1], 'intake') ~= 'writing' then return 0 end
redis.call('HSET', KEYS[1], 'intake', 'queueing')
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return 1
`,
);

/** A batch as read: its record and its live state, fetched together. */
export interface StoredBatch {
  record: BatchRecord;
  state: BatchState;
}

export interface BatchPage {
  batches: StoredBatch[];
  nextCursor: string | null;
}

/**
 * Batch records and states in Redis (see batch-keys.ts). Records are written once at intake;
 * states move through BatchCounts. Reading a batch is two HGETALLs in one round trip.
 */
export class BatchStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: BatchKeys,
  ) {}

  /**
   * Adds the commands creating a batch of `total` queued jobs to `pipeline`: the record and a
   * state with every job counted queued, its intake `writing`. Not listed yet: the batch is
   * invisible until {@link commitIntake}.
   */
  create(pipeline: ChainableCommander, record: BatchRecord, total: number): void {
    pipeline.hset(this.keys.batch(record.id), encode(record)).hset(this.keys.state(record.id), {
      total,
      queued: total,
      generation: 0,
      finalized: 0,
      intake: 'writing',
      ...(record.max_characters !== null && { max_characters: record.max_characters }),
    });
  }

  /**
   * The intake's point of no return: every record is written, so the batch becomes visible
   * (listed for its owner) and its intake `queueing`: from here it is queued in full, by its
   * writer or by whoever recovers it. False when the intake is no longer `writing` (a
   * recovery took it for dead and rolled it back).
   */
  async commitIntake(record: BatchRecord): Promise<boolean> {
    const committed = (await runScript(
      this.redis,
      commitIntakeScript,
      [this.keys.state(record.id), this.keys.ownerBatches(record.owner)],
      [record.id],
    )) as number;
    return committed === 1;
  }

  /** Every work item is queued: the intake is over. */
  addFinishIntake(pipeline: ChainableCommander, id: string): void {
    pipeline.hdel(this.keys.state(id), 'intake');
  }

  /**
   * Adds the commands registering jobs as members (in the batch's job index; counted queued
   * until their records say otherwise, see batch-counts.ts) to `pipeline`.
   */
  addMembers(pipeline: ChainableCommander, batchId: string, jobs: readonly { id: string }[]): void {
    if (jobs.length === 0) return;
    pipeline.zadd(this.keys.jobs(batchId), ...jobs.flatMap(({ id }) => [0, id]));
  }

  /** Adds the commands deleting every key of a batch never made visible (a rolled-back intake). */
  addDeletes(pipeline: ChainableCommander, id: string): void {
    pipeline.unlink(
      this.keys.batch(id),
      this.keys.state(id),
      this.keys.legacyMembers(id),
      this.keys.jobs(id),
    );
  }

  /**
   * One batch: its two HGETALLs sent back to back (one round trip), not as a pipeline. ioredis
   * builds each pipeline by copying every script defined on the connection onto it (ours and
   * the rate limiter's), which cost a batch poll more CPU than the reads themselves (B6).
   */
  async get(id: string): Promise<StoredBatch | null> {
    const [record, state] = await Promise.all([
      this.redis.hgetall(this.keys.batch(id)),
      this.redis.hgetall(this.keys.state(id)),
    ]);
    return toStored(record, state);
  }

  /**
   * The batch when it exists, belongs to `owner` and is visible; null otherwise (others' are
   * 404, and so is a batch whose intake is still writing its records: it may never exist).
   */
  async getOwned(id: string, owner: string): Promise<StoredBatch | null> {
    const found = await this.get(id);
    if (found?.record.owner !== owner) return null;
    if (found.state.intake === 'writing' || found.state.intake === 'rolling_back') return null;
    return found;
  }

  async patch(id: string, fields: Partial<Pick<BatchRecord, 'results'>>): Promise<void> {
    await this.redis.hset(this.keys.batch(id), encode(fields));
  }

  /** Sets or clears the cancel flag: it decides whether a complete batch reads `canceled`. */
  async setCancelRequested(id: string, requested: boolean): Promise<void> {
    await this.redis.hset(this.keys.state(id), 'cancel_requested', requested ? '1' : '0');
  }

  /** The owner's batches, newest first; `cursor` is the last id of the previous page. */
  async list(owner: string, limit: number, cursor?: string): Promise<BatchPage> {
    const upper = cursor ? `(${cursor}` : '+';
    const ids = await this.redis.zrevrangebylex(
      this.keys.ownerBatches(owner),
      upper,
      '-',
      'LIMIT',
      0,
      limit + 1,
    );
    const page = ids.slice(0, limit);
    const batches = (await this.getMany(page)).filter((b): b is StoredBatch => b !== null);
    return { batches, nextCursor: ids.length > limit ? (page.at(-1) ?? null) : null };
  }

  private async getMany(ids: readonly string[]): Promise<(StoredBatch | null)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.batch(id)).hgetall(this.keys.state(id));
    const replies = (await pipeline.exec()) ?? [];
    return ids.map((_, i) => {
      const [recordError, record] = replies[2 * i] ?? [];
      const [stateError, state] = replies[2 * i + 1] ?? [];
      if (recordError) throw recordError;
      if (stateError) throw stateError;
      return toStored(record as Record<string, string>, state as Record<string, string>);
    });
  }
}

/** A batch from the HGETALL replies of its record and state; null when it has no record. */
function toStored(
  record: Record<string, string>,
  state: Record<string, string>,
): StoredBatch | null {
  if (Object.keys(record).length === 0) return null;
  return { record: decode(record), state: batchStateSchema.parse(state) };
}

function encode(fields: object): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, JSON.stringify(value)]),
  );
}

function decode(fields: Record<string, string>): BatchRecord {
  return batchRecordSchema.parse(
    Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, JSON.parse(v) as unknown])),
  );
}
