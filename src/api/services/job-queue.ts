import { ServiceUnavailableError } from '../../shared/errors.ts';
import type { JobRecord } from '../../shared/jobs/job-record.ts';
import type { JobStore } from '../../shared/jobs/job-store.ts';
import { JOB_CLASS_OF, type JobType } from '../../shared/jobs/job-types.ts';
import type { Logger } from '../../shared/logger.ts';
import type { ClassQueues } from '../../shared/queue/queues.ts';
import { isDependencyUnavailable } from '../error-envelope.ts';

/**
 * The intake's side of BullMQ: a job record's work item, keyed by the job's own id so the
 * cancel and retry routes can find it again (and BullMQ drops a duplicate add).
 */
export class JobQueue {
  constructor(
    private readonly queues: ClassQueues,
    private readonly jobs: JobStore,
    private readonly logger: Logger,
  ) {}

  /**
   * Adds the record's work item. If that fails, the record (already `queued`) is marked
   * `failed` with `enqueue_failed`, so it never waits for a worker that cannot come, and the
   * caller gets 503: nothing was accepted.
   */
  async enqueue(record: JobRecord): Promise<void> {
    try {
      await this.queueOf(record.type).add(record.type, { job_id: record.id }, { jobId: record.id });
    } catch (error) {
      await this.markEnqueueFailed(record.id, error);
      throw new ServiceUnavailableError('The job could not be queued; retry shortly.', error);
    }
  }

  /**
   * Removes a job's work item if no worker holds it. `locked` means a worker is running it
   * (BullMQ refuses to remove an active job); `absent` that there is none.
   */
  async remove(type: JobType, id: string): Promise<'removed' | 'absent' | 'locked'> {
    const job = await this.queueOf(type).getJob(id);
    if (!job) return 'absent';
    try {
      await job.remove();
      return 'removed';
    } catch (error) {
      if (isDependencyUnavailable(error)) throw error;
      return 'locked';
    }
  }

  private queueOf(type: JobType) {
    return this.queues[JOB_CLASS_OF[type]];
  }

  private async markEnqueueFailed(id: string, cause: unknown): Promise<void> {
    try {
      await this.jobs.transition(id, ['queued'], {
        status: 'failed',
        finished_at: new Date().toISOString(),
        error: {
          code: 'enqueue_failed',
          message: 'The job could not be queued. Retry it, or submit it again.',
          retryable: true,
          upstream_status: null,
          upstream_code: null,
          suggestion: null,
        },
      });
    } catch (error) {
      // Redis is most likely down for both writes; a reconciler must find this record.
      this.logger.error({ err: error, cause, job_id: id }, 'job left queued without a queue entry');
    }
  }
}
