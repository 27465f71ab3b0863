import type { Redis } from '../redis/connections.ts';
import type { RedisKeys } from '../redis/keys.ts';
import type { UpstreamCallRecord } from '../usage/usage.ts';

/** One attempt as job.json records it: when, what the upstream said, what was kept. */
export interface AttemptEntry {
  attempt: number;
  /** The run that made it (absent in entries written before runs were fenced). */
  run_id?: string;
  started_at: string;
  finished_at: string;
  outcome:
    | 'succeeded'
    | 'cache_hit'
    | 'retry'
    | 'requeued_concurrency'
    | 'requeued_quota'
    /** A budget (batch max_characters, tenant monthly cap) stopped the next call: waits. */
    | 'parked_budget'
    | 'interrupted'
    | 'failed'
    | 'canceled'
    /** A later run took the job over (this one had lost its lock): its work was discarded. */
    | 'superseded';
  upstream_status: number | null;
  upstream_code: string | null;
  request_id: string | null;
  headers: Record<string, string>;
  error: string | null;
}

/** What job.json records of a job's life beside its record: its attempts and upstream calls. */
export interface JobHistory {
  attempts: AttemptEntry[];
  calls: UpstreamCallRecord[];
}

/**
 * The attempt log lives in a Redis list while the job runs (attempts may happen on different
 * worker processes) and is copied into job.json when the job finishes, with the job's upstream
 * calls (written call by call by the usage ledger, usage-ledger.ts).
 */
export class AttemptLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async append(jobId: string, entry: AttemptEntry): Promise<void> {
    await this.redis.rpush(this.keys.jobAttempts(jobId), JSON.stringify(entry));
  }

  async read(jobId: string): Promise<AttemptEntry[]> {
    const raw = await this.redis.lrange(this.keys.jobAttempts(jobId), 0, -1);
    return raw.map((line) => JSON.parse(line) as AttemptEntry);
  }

  /** Every upstream call of the job, oldest first (none for jobs from before the ledger). */
  async calls(jobId: string): Promise<UpstreamCallRecord[]> {
    const raw = await this.redis.lrange(this.keys.jobCalls(jobId), 0, -1);
    return raw.map((line) => JSON.parse(line) as UpstreamCallRecord);
  }

  /** Both lists, read in the same round trip. */
  async history(jobId: string): Promise<JobHistory> {
    const [attempts, calls] = await Promise.all([this.read(jobId), this.calls(jobId)]);
    return { attempts, calls };
  }
}
