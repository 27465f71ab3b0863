import type { Redis } from '../redis/connections.ts';
import { batchKeys, type BatchKeys } from '../batches/batch-keys.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { redisKeys, type RedisKeys } from '../redis/keys.ts';
import type { BudgetScope } from './budget-error.ts';
import type { UpstreamCallRecord } from './usage.ts';
import { luaScript, runScript } from '../redis/lua-scripts.ts';

/** A tenant's day and month usage hashes outlive their period this long, s (a year and a bit). */
const TENANT_USAGE_TTL_SECONDS = 400 * 24 * 3600;

/**
 * Records one upstream call everywhere it counts, in one script, so no crash can leave a call
 * counted in one place and not another: the job's `usage` field and call list, its batch's
 * usage (beside the counts in its state hash), and its tenant's day and month totals. The job
 * and the batch are thereby live (a retried call counts while the job still runs) and the
 * jobs' usage always adds up to the batch's.
 *
 * KEYS: job hash, job calls, tenant day, tenant month[, batch state].
 * ARGV: characters ('' when the call was not billed), job type, batch id (or ''), call JSON, ttl.
 * Returns {tenant month characters, batch characters (0 without a batch)}.
 */
const recordScript = luaScript(
  'usage_record',
  `
local cost = tonumber(ARGV[1])
local billed = 0
if cost then billed = 1 else cost = 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then
  local usage = {characters = 0, calls = 0, billed_calls = 0}
  local raw = redis.call('HGET', KEYS[1], 'usage')
  if raw then
    local ok, stored = pcall(cjson.decode, raw)
    if ok and type(stored) == 'table' then
      usage.characters = tonumber(stored.characters) or 0
      usage.calls = tonumber(stored.calls) or 0
      usage.billed_calls = tonumber(stored.billed_calls) or 0
    end
  end
  usage.characters = usage.characters + cost
  usage.calls = usage.calls + 1
  usage.billed_calls = usage.billed_calls + billed
  redis.call('HSET', KEYS[1], 'usage', string.format(
    '{"characters":%d,"calls":%d,"billed_calls":%d}',
    usage.characters, usage.calls, usage.billed_calls))
end
redis.call('RPUSH', KEYS[2], ARGV[4])
local t = 'type:' .. ARGV[2] .. ':'
redis.call('HINCRBY', KEYS[3], 'characters', cost)
redis.call('HINCRBY', KEYS[3], 'calls', 1)
redis.call('HINCRBY', KEYS[3], 'billed_calls', billed)
redis.call('HINCRBY', KEYS[3], t .. 'characters', cost)
redis.call('HINCRBY', KEYS[3], t .. 'calls', 1)
if ARGV[3] ~= '' then
  redis.call('HINCRBY', KEYS[3], 'batch:' .. ARGV[3] .. ':characters', cost)
  redis.call('HINCRBY', KEYS[3], 'batch:' .. ARGV[3] .. ':calls', 1)
end
redis.call('EXPIRE', KEYS[3], ARGV[5])
local month = redis.call('HINCRBY', KEYS[4], 'characters', cost)
redis.call('HINCRBY', KEYS[4], 'calls', 1)
redis.call('EXPIRE', KEYS[4], ARGV[5])
local batch = 0
if KEYS[5] then
  batch = redis.call('HINCRBY', KEYS[5], 'usage_characters', cost)
  redis.call('HINCRBY', KEYS[5], 'usage_calls', 1)
  redis.call('HINCRBY', KEYS[5], 'usage_billed_calls', billed)
end
return {month, batch}
`,
);

// KEYS: batch state, batch parked set. ARGV: job id. Parks the job; pauses the batch unless it
// is already, or unless its budget is no longer spent (a resume raised or lifted it after the
// job's gate looked: pausing then would undo the resume). Returns the pause's number when this
// call paused it (the one that announces batch.paused), else 0.
const parkScript = luaScript(
  'usage_park',
  `
redis.call('SADD', KEYS[2], ARGV[1])
if redis.call('HEXISTS', KEYS[1], 'paused_reason') == 1 then return 0 end
local budget = redis.call('HMGET', KEYS[1], 'usage_characters', 'max_characters')
if not budget[2] or tonumber(budget[1] or '0') < tonumber(budget[2]) then return 0 end
redis.call('HSET', KEYS[1], 'paused_reason', 'budget_exhausted')
return redis.call('HINCRBY', KEYS[1], 'pauses', 1)
`,
);

/** The job a call was made for, as the ledger files it. */
export type CallOwner = Pick<JobRecord, 'id' | 'owner' | 'type' | 'batch_id'>;

/** Totals after a call was recorded: what budgets are checked against. */
export interface RecordedUsage {
  tenantMonthCharacters: number;
  batchCharacters: number;
}

/** The UTC day (YYYY-MM-DD) and month (YYYY-MM) of `at`. */
export function usagePeriods(at: Date): { day: string; month: string } {
  const day = at.toISOString().slice(0, 10);
  return { day, month: day.slice(0, 7) };
}

export class UsageLedger {
  readonly #keys: RedisKeys;
  readonly #batches: BatchKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.#keys = redisKeys(prefix);
    this.#batches = batchKeys(prefix);
  }

  /** Counts `call` for its job, batch and tenant (once: callers never retry it). */
  async record(job: CallOwner, call: UpstreamCallRecord): Promise<RecordedUsage> {
    const { day, month } = usagePeriods(new Date(call.at));
    const keys = [
      this.#keys.job(job.id),
      this.#keys.jobCalls(job.id),
      this.#keys.tenantUsageDay(job.owner, day),
      this.#keys.tenantUsageMonth(job.owner, month),
      ...(job.batch_id === null ? [] : [this.#batches.state(job.batch_id)]),
    ];
    const [tenantMonth, batch] = (await runScript(this.redis, recordScript, keys, [
      call.character_cost === null ? '' : String(call.character_cost),
      job.type,
      job.batch_id ?? '',
      JSON.stringify(call),
      TENANT_USAGE_TTL_SECONDS,
    ])) as [number, number];
    return { tenantMonthCharacters: tenantMonth, batchCharacters: batch };
  }

  /**
   * The budget the job's next call would pass, if any: its batch's usage has reached the
   * batch's `max_characters`, or its tenant's month has reached `tenantCap`. Checked before
   * every call, so calls already in flight are all a cap can be passed by.
   */
  async exhaustedBudget(
    job: CallOwner,
    tenantCap: number | undefined,
    at: Date,
  ): Promise<{ scope: BudgetScope; used: number; cap: number } | null> {
    // A single job with no tenant cap has no budget: no round trip before its calls.
    if (job.batch_id === null && tenantCap === undefined) return null;
    const pipeline = this.redis.pipeline();
    if (job.batch_id !== null)
      pipeline.hmget(this.#batches.state(job.batch_id), 'usage_characters', 'max_characters');
    if (tenantCap !== undefined)
      pipeline.hget(this.#keys.tenantUsageMonth(job.owner, usagePeriods(at).month), 'characters');
    const replies = (await pipeline.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    let next = 0;
    if (job.batch_id !== null) {
      const [used, cap] = (replies[next++]?.[1] ?? []) as (string | null)[];
      if (cap != null && Number(used ?? 0) >= Number(cap))
        return { scope: 'batch', used: Number(used ?? 0), cap: Number(cap) };
    }
    if (tenantCap !== undefined) {
      const used = Number((replies[next]?.[1] as string | null) ?? 0);
      if (used >= tenantCap) return { scope: 'tenant', used, cap: tenantCap };
    }
    return null;
  }

  /**
   * Parks a job of a batch whose budget is spent. When this pauses the batch, the pause's
   * number (1 for the first); null when it was paused already.
   */
  async park(batchId: string, jobId: string): Promise<number | null> {
    const pause = (await runScript(
      this.redis,
      parkScript,
      [this.#batches.state(batchId), this.#batches.parked(batchId)],
      [jobId],
    )) as number;
    return pause === 0 ? null : pause;
  }

  /** Whether the batch still waits for a resume (a park may race one). */
  async isPaused(batchId: string): Promise<boolean> {
    return (await this.redis.hexists(this.#batches.state(batchId), 'paused_reason')) === 1;
  }

  /** The tenant's characters so far in the month of `at`. */
  async tenantMonthCharacters(owner: string, at: Date): Promise<number> {
    const raw = await this.redis.hget(
      this.#keys.tenantUsageMonth(owner, usagePeriods(at).month),
      'characters',
    );
    return Number(raw ?? 0);
  }

  /** The tenant's day hashes for `days` (YYYY-MM-DD), in order; {} for a day without calls. */
  async tenantDays(owner: string, days: readonly string[]): Promise<Record<string, string>[]> {
    const pipeline = this.redis.pipeline();
    for (const day of days) pipeline.hgetall(this.#keys.tenantUsageDay(owner, day));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, fields]) => {
      if (error) throw error;
      return fields as Record<string, string>;
    });
  }
}
