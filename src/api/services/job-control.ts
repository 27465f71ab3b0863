import { ConflictError, NotFoundError } from '../../shared/errors.ts';
import type { JobRecord } from '../../shared/jobs/job-record.ts';
import type { TransitionResult } from '../../shared/jobs/job-store.ts';
import { finishJob, type FinishDeps } from '../../shared/lifecycle/finish-job.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import type { JobQueue } from './job-queue.ts';
import type { JobReads } from './job-reads.ts';

/**
 * What cancel and retry touch: records, queue entries, the broadcast channels, and what a
 * finish writes (a queued job's cancel is a finish like any other: job.json, counts, hooks).
 */
export type JobControlDeps = FinishDeps & {
  queue: JobQueue;
  reads: JobReads;
  /** A retried job enters `queued` again and is counted so. */
  metrics: Metrics;
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
   * queued → canceled at once, through the one finish path; running → `cancel_requested` and
   * a broadcast on the cancel channel, since only the worker holding it can abort the upstream
   * call; finished → 409.
   */
  async cancel(owner: string, id: string): Promise<CancelOutcome> {
    const record = await this.deps.reads.record(owner, id);
    if (record.status === 'queued') {
      // The finish first, the work item after: should this process die in between, the work
      // item's delivery finds the finish on its way (or done) and completes it.
      const canceled = await finishJob(this.deps, id, {
        status: 'canceled',
        from: ['queued'],
        runId: null,
        patch: { outputs: [] },
      });
      if (canceled) {
        // `locked`: a worker has just taken it; it finds the job finished and lets it be.
        await this.deps.queue.remove(record.type, id);
        return { outcome: 'canceled', record: canceled };
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
    // The record back to `queued` and its work item queued again, in one transaction.
    const result = await this.deps.queue.requeue(record, ['failed', 'canceled'], {
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
    this.deps.metrics.jobs.inc({ type: record.type, status: 'queued' });
    const queued = await this.deps.reads.record(owner, id);
    await this.deps.events.changed(queued);
    return queued;
  }

  private assertApplied(result: TransitionResult, code: string, message: string): void {
    if (result.outcome === 'missing') throw new NotFoundError('Job');
    if (result.outcome !== 'applied') throw new ConflictError(message, code);
  }
}
