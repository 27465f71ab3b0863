import type { Redis } from '../redis/connections.ts';
import type { JobStatus } from '../jobs/job-types.ts';
import type { RedisKeys } from '../redis/keys.ts';
import type { BatchKeys } from './batch-keys.ts';
import { luaScript, runScript } from '../redis/lua-scripts.ts';
import { JobStore } from '../jobs/job-store.ts';

/**
 * A batch's counts, kept in Redis as jobs move, never by scanning its jobs.
 *
 * Callers do not send deltas. Each job's record remembers the status the counts currently hold
 * it in (`batch_counted`, absent while that is `queued`, as the intake counts every job); a
 * sync reads the job's real status and moves the job from one count to the other only if they
 * differ, all in one script. So a sync is idempotent (a retried finish, a duplicate delivery,
 * a hook called twice count once), order does not matter (a late sync writes the then-current
 * truth), and a transition nobody announced (a worker's backoff back to `queued`) is corrected
 * by the job's next sync. Only a job in the batch's job index is counted (not one of a batch
 * deleted meanwhile). Batches written by releases before record version 6 keep what they
 * counted in a members hash (job → status), which the script goes on using for them.
 *
 * The same script notices completion: when every job has finished it bumps `generation` once
 * (the 0 → 1 edge of `complete`), and it reports "finalize generation g" on every sync until
 * the finalizer marks g done, so a lost finalize enqueue is retried by the next sync. A retry
 * that re-queues a finished job drops `complete` again and starts a new run.
 */

// KEYS: job hash, legacy members hash, state, the batch's job index. ARGV: job id, now (ms).
// Returns {finalize (0|1), generation, the status counted ('' when the batch counts no such job)}.
const syncScript = luaScript(
  'batch_sync',
  `
local raw = redis.call('HGET', KEYS[1], 'status')
if not raw then return {0, 0, ''} end
local status = string.sub(raw, 2, -2)
local previous = redis.call('HGET', KEYS[2], ARGV[1])
local legacy = previous ~= false
if not legacy then
  if not redis.call('ZSCORE', KEYS[4], ARGV[1]) then return {0, 0, ''} end
  local counted = redis.call('HGET', KEYS[1], 'batch_counted')
  previous = counted and string.sub(counted, 2, -2) or 'queued'
end
local final = {succeeded = true, failed = true, canceled = true}
if previous ~= status then
  if legacy then
    redis.call('HSET', KEYS[2], ARGV[1], status)
  elseif status == 'queued' then
    redis.call('HDEL', KEYS[1], 'batch_counted')
  else
    redis.call('HSET', KEYS[1], 'batch_counted', raw)
  end
  redis.call('HINCRBY', KEYS[3], previous, -1)
  redis.call('HINCRBY', KEYS[3], status, 1)
  -- A finished job queued again (retry) leaves the current run's baseline.
  if final[previous] and not final[status] then
    local base = tonumber(redis.call('HGET', KEYS[3], 'run_base') or '0')
    if base > 0 then redis.call('HSET', KEYS[3], 'run_base', tostring(base - 1)) end
  end
end
if status == 'running' then redis.call('HSETNX', KEYS[3], 'started_at', ARGV[2]) end
local s = redis.call('HMGET', KEYS[3], 'total', 'succeeded', 'failed', 'canceled', 'complete', 'generation', 'finalized')
local total = tonumber(s[1]) or 0
local finished = (tonumber(s[2]) or 0) + (tonumber(s[3]) or 0) + (tonumber(s[4]) or 0)
local generation = tonumber(s[6]) or 0
if total > 0 and finished >= total then
  if s[5] ~= '1' then
    generation = redis.call('HINCRBY', KEYS[3], 'generation', 1)
    redis.call('HSET', KEYS[3], 'complete', '1', 'finished_at', ARGV[2])
  end
  if (tonumber(s[7]) or 0) < generation then return {1, generation, status} end
elseif s[5] == '1' then
  -- Reopened by a retry: a new run starts now, from what is still finished.
  redis.call('HSET', KEYS[3], 'complete', '0', 'started_at', ARGV[2], 'run_base', tostring(finished))
  redis.call('HDEL', KEYS[3], 'finished_at')
end
return {0, generation, status}
`,
);

// KEYS: state. ARGV: generation. Marks a generation finalized unless a later one already is.
// KEYS: state, finished batches index. ARGV: generation, now (ms), batch id. The index entry
// is what retention finds the batch by (a batch retried since is skipped by the sweep).
const finalizedScript = luaScript(
  'batch_finalized',
  `
local current = tonumber(redis.call('HGET', KEYS[1], 'finalized') or '0')
if current < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'finalized', ARGV[1]) end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
`,
);

/** What a sync found: whether the batch's results are due, and for which completion. */
export interface SyncResult {
  finalize: boolean;
  generation: number;
  /** The job's status the counts now hold; null when the batch counts no such job. */
  counted: JobStatus | null;
}

/** Job ids read per round trip by {@link BatchCounts.members}. */
const MEMBERS_PAGE = 1_000;

export class BatchCounts {
  readonly #jobs: JobStore;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly batch: BatchKeys,
  ) {
    this.#jobs = new JobStore(redis, keys);
  }

  /** Brings the batch's counts in line with the job's current status (idempotent). */
  async sync(batchId: string, jobId: string): Promise<SyncResult> {
    const [finalize, generation, counted] = (await runScript(
      this.redis,
      syncScript,
      [
        this.keys.job(jobId),
        this.batch.legacyMembers(batchId),
        this.batch.state(batchId),
        this.batch.jobs(batchId),
      ],
      [jobId, Date.now()],
    )) as [number, number, string];
    return {
      finalize: finalize === 1,
      generation,
      counted: counted === '' ? null : (counted as JobStatus),
    };
  }

  /** Records that `generation`'s results and batch.completed have been produced. */
  async markFinalized(batchId: string, generation: number): Promise<void> {
    await runScript(
      this.redis,
      finalizedScript,
      [this.batch.state(batchId), this.batch.finishedBatches],
      [generation, Date.now(), batchId],
    );
  }

  /**
   * The batch's job ids whose status is one of `statuses`, a page at a time in item order (the
   * batch's job index and each job's status: for cancel and retry, which must visit them,
   * never for polling).
   */
  async *members(batchId: string, statuses: readonly JobStatus[]): AsyncGenerator<string[]> {
    let lower = '-';
    for (;;) {
      const ids = await this.redis.zrangebylex(
        this.batch.jobs(batchId),
        lower,
        '+',
        'LIMIT',
        0,
        MEMBERS_PAGE,
      );
      if (ids.length === 0) return;
      const wanted = await this.#jobs.filterIds(ids, { statuses });
      if (wanted.length) yield wanted;
      if (ids.length < MEMBERS_PAGE) return;
      lower = `(${ids[ids.length - 1]}`;
    }
  }
}
