import type { Redis } from 'ioredis';
import type { JobEvents } from '../../shared/batches/job-events.ts';
import { ConflictError, NotFoundError } from '../../shared/errors.ts';
import type { JobRecord } from '../../shared/jobs/job-record.ts';
import type { JobStore, TransitionResult } from '../../shared/jobs/job-store.ts';
import type { RedisKeys } from '../../shared/redis/keys.ts';
import type { JobQueue } from './job-queue.ts';
import type { JobReads } from './job-reads.ts';

/** What cancel and retry touch: records, queue entries and the broadcast channels. */
export type JobControlDeps = {
  redis: Redis;
  keys: RedisKeys;
  jobs: JobStore;
  queue: JobQueue;
  reads: JobReads;
  /** Batch counts, batch completion and job webhooks after a cancel or a retry. */
  events: JobEvents;
};

/** What a cancel did: finished the job at once, or asked its worker to stop it. */
export type CancelOutcome = { outcome: 'canceled' | 'cancel_requested'; record: JobRecord };

/**
 * Cancel and retry. Workers change the same records concurrently, so every status change is a
 * compare-and-set (`JobStore.transition`) and a lost race is re-read, never overwritten.
 */
export class JobControl {
  constructor(private readonly deps: JobControlDeps) {}

  /**
   * queued → canceled at once (its queue entry removed); running → `cancel_requested` and a
   * broadcast on the cancel channel, since only the worker holding it can abort the upstream
   * call; finished → 409.
   */
  async cancel(owner: string, id: string): Promise<CancelOutcome> {
    const record = await this.deps.reads.record(owner, id);
    if (record.status === 'queued') {
      const removal = await this.deps.queue.remove(record.type, id);
      // `locked`: a worker took it between our read and the removal; it is running.
      if (removal !== 'locked') {
        const result = await this.deps.jobs.transition(id, ['queued'], {
          status: 'canceled',
          finished_at: new Date().toISOString(),
        });
        if (result.outcome === 'applied') {
          await this.deps.redis.publish(this.deps.keys.jobFinishedChannel, id);
          const canceled = await this.deps.reads.record(owner, id);
          await this.deps.events.finished(canceled);
          return { outcome: 'canceled', record: canceled };
        }
      }
    }
    const result = await this.deps.jobs.transition(id, ['queued', 'running'], {
      cancel_requested: true,
    });
    this.assertApplied(result, 'job_finished', 'The job has already finished.');
    await this.deps.redis.publish(this.deps.keys.cancelChannel, id);
    return { outcome: 'cancel_requested', record: await this.deps.reads.record(owner, id) };
  }

  /**
   * failed or canceled → queued again, same request and seed: outputs, error and the cancel
   * flag cleared, attempts kept (they count upstream calls). Anything else → 409.
   */
  async retry(owner: string, id: string): Promise<JobRecord> {
    const record = await this.deps.reads.record(owner, id);
    if (record.status !== 'failed' && record.status !== 'canceled') {
      throw new ConflictError(
        `The job is ${record.status}; only failed or canceled jobs can be retried.`,
        'job_not_retryable',
      );
    }
    // BullMQ ignores an add whose id it still holds (a failed entry is kept for days).
    if ((await this.deps.queue.remove(record.type, id)) === 'locked') {
      throw new ConflictError(
        'A worker is still finishing this job; retry in a moment.',
        'job_busy',
      );
    }
    const result = await this.deps.jobs.transition(id, ['failed', 'canceled'], {
      status: 'queued',
      error: null,
      outputs: [],
      cancel_requested: false,
      result: null,
      started_at: null,
      finished_at: null,
      cache: null,
    });
    this.assertApplied(
      result,
      'job_not_retryable',
      'The job changed status meanwhile; only failed or canceled jobs can be retried.',
    );
    const queued = await this.deps.reads.record(owner, id);
    await this.deps.events.changed(queued);
    await this.deps.queue.enqueue(queued);
    return queued;
  }

  private assertApplied(result: TransitionResult, code: string, message: string): void {
    if (result.outcome === 'missing') throw new NotFoundError('Job');
    if (result.outcome === 'rejected') throw new ConflictError(message, code);
  }
}
