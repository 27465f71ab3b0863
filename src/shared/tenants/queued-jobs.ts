import type { Redis } from '../redis/connections.ts';
import { TooManyRequestsError } from '../errors.ts';
import { idTime } from '../ids.ts';
import type { RedisKeys } from '../redis/keys.ts';
import { luaScript, runScript } from '../redis/lua-scripts.ts';

/**
 * MAX_QUEUED_JOBS_PER_TENANT. A tenant's queued jobs are a Redis set of job ids, not a counter:
 * adding or removing an id twice changes nothing, so retried or duplicated steps cannot make
 * the count drift. Ids enter at admission (before their records are written, which is what
 * makes the cap exact under concurrent submissions) and leave or re-enter in the same script
 * that moves the job's status (JobStore.transition).
 *
 * What can still leave a stale id: an api process killed between admission and the record
 * write, or a status written outside `transition`. The sweep removes those (ids whose record
 * is not `queued`, or missing for longer than a write can take); it runs before any refusal,
 * so a stale id never causes a 429, at most once per SWEEP_INTERVAL_MS per tenant.
 */

/** Longest a record may be missing after its id was admitted (a 50,000-item batch write). */
const WRITE_GRACE_MS = 10 * 60_000;
/** A tenant's set is swept at most this often (a sweep reads every member's status). */
const SWEEP_INTERVAL_MS = 10_000;
const SWEEP_PAGE = 1_000;
/** SADD arguments per call inside the script (Lua's unpack has a stack limit). */
const ADD_CHUNK = 1_000;

// KEYS: the set. ARGV: cap, ids… → {1, count after} or {0, count}. All or nothing.
const admitScript = luaScript(
  'tenant_admit',
  `
local current = redis.call('SCARD', KEYS[1])
local n = #ARGV - 1
if current + n > tonumber(ARGV[1]) then return {0, current} end
for i = 2, #ARGV, ${ADD_CHUNK} do
  redis.call('SADD', KEYS[1], unpack(ARGV, i, math.min(i + ${ADD_CHUNK - 1}, #ARGV)))
end
return {1, current + n}
`,
);

// KEYS: the set. ARGV: job key prefix, ids… Removes the ids whose record is not queued now.
const pruneScript = luaScript(
  'tenant_prune',
  `
local removed = 0
for i = 2, #ARGV do
  local status = redis.call('HGET', ARGV[1] .. ARGV[i], 'status')
  if status ~= '"queued"' then removed = removed + redis.call('SREM', KEYS[1], ARGV[i]) end
end
return removed
`,
);

export class QueuedJobs {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly cap: number,
  ) {}

  /**
   * Counts `ids` as `tenant`'s queued jobs if they fit under the cap, all of them or none;
   * otherwise a 429 `queued_jobs_limit`. Call after validation, before writing the records.
   */
  async admit(tenant: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    if (await this.tryAdmit(tenant, ids)) return;
    if ((await this.sweep(tenant)) > 0 && (await this.tryAdmit(tenant, ids))) return;
    const queued = await this.count(tenant);
    throw new TooManyRequestsError(
      'queued_jobs_limit',
      `This tenant has ${queued} jobs queued; at most ${this.cap} may be queued at once, and ` +
        `this request adds ${ids.length}. Wait for some to start, or cancel some.`,
    );
  }

  /** Takes back ids admitted for records that were never written (a failed intake). */
  async release(tenant: string, ids: readonly string[]): Promise<void> {
    for (let start = 0; start < ids.length; start += ADD_CHUNK)
      await this.redis.srem(this.keys.tenantQueued(tenant), ...ids.slice(start, start + ADD_CHUNK));
  }

  async count(tenant: string): Promise<number> {
    return this.redis.scard(this.keys.tenantQueued(tenant));
  }

  /**
   * Removes stale ids (see above); returns how many, or 0 when a sweep ran too recently.
   * Records missing for less than WRITE_GRACE_MS are kept: their intake may still be writing.
   */
  async sweep(tenant: string, now = Date.now()): Promise<number> {
    const lock = await this.redis.set(
      this.keys.tenantSweep(tenant),
      '1',
      'PX',
      SWEEP_INTERVAL_MS,
      'NX',
    );
    if (lock === null) return 0;
    const set = this.keys.tenantQueued(tenant);
    const jobPrefix = this.keys.job('');
    let removed = 0;
    let cursor = '0';
    do {
      const [next, ids] = await this.redis.sscan(set, cursor, 'COUNT', SWEEP_PAGE);
      cursor = next;
      const old = ids.filter((id) => now - idTime(id) > WRITE_GRACE_MS);
      const young = ids.filter((id) => now - idTime(id) <= WRITE_GRACE_MS);
      // A young id is only removed once its record exists and has left `queued`.
      const written = await this.existing(young);
      const candidates = [...old, ...written];
      if (candidates.length > 0)
        removed += (await runScript(
          this.redis,
          pruneScript,
          [set],
          [jobPrefix, ...candidates],
        )) as number;
    } while (cursor !== '0');
    return removed;
  }

  private async tryAdmit(tenant: string, ids: readonly string[]): Promise<boolean> {
    const [admitted] = (await runScript(
      this.redis,
      admitScript,
      [this.keys.tenantQueued(tenant)],
      [this.cap, ...ids],
    )) as [number, number];
    return admitted === 1;
  }

  private async existing(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.exists(this.keys.job(id));
    const replies = (await pipeline.exec()) ?? [];
    return ids.filter((_, i) => replies[i]?.[1] === 1);
  }
}
