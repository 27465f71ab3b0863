import type { ChainableCommander } from 'ioredis';
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

  /** Adds {@link append} to a pipeline of the caller's. */
  addAppend(pipeline: ChainableCommander, jobId: string, entry: AttemptEntry): void {
    pipeline.rpush(this.keys.jobAttempts(jobId), JSON.stringify(entry));
  }

  /** The job's attempts and upstream calls, oldest first: what job.json copies. */
  async history(jobId: string): Promise<JobHistory> {
    const pipeline = this.redis.pipeline();
    this.addHistoryReads(pipeline, jobId);
    return parseHistory(await pipeline.exec(), 0);
  }

  /**
   * Adds the two reads of {@link history} to a pipeline of the caller's (so a finish reads them
   * in the round trip that writes its intent); {@link parseHistory} reads their replies.
   */
  addHistoryReads(pipeline: ChainableCommander, jobId: string): void {
    pipeline.lrange(this.keys.jobAttempts(jobId), 0, -1);
    // None for jobs from before the usage ledger.
    pipeline.lrange(this.keys.jobCalls(jobId), 0, -1);
  }
}

/** What job.json copies from Redis besides the record. */
export interface JobHistory {
  attempts: AttemptEntry[];
  calls: UpstreamCallRecord[];
}

/** The replies of {@link AttemptLog.addHistoryReads}, queued at `index` of the pipeline. */
export function parseHistory(replies: [Error | null, unknown][] | null, index: number): JobHistory {
  const lines = (offset: number): string[] => {
    const [error, value] = replies?.[index + offset] ?? [new Error('no reply'), null];
    if (error) throw error;
    return value as string[];
  };
  return {
    attempts: lines(0).map((line) => JSON.parse(line) as AttemptEntry),
    calls: lines(1).map((line) => JSON.parse(line) as UpstreamCallRecord),
  };
}
