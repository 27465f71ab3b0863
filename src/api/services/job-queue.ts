import { ServiceUnavailableError } from '../../shared/errors.ts';
import type { JobRecord } from '../../shared/jobs/job-record.ts';
import {
  transitionOutcome,
  type JobPatch,
  type JobStore,
  type TransitionResult,
} from '../../shared/jobs/job-store.ts';
import { transitionScript } from '../../shared/jobs/job-scripts.ts';
import { JOB_CLASS_OF, type JobType } from '../../shared/jobs/job-types.ts';
import type { AccountQueues } from '../../shared/queue/account-queues.ts';
import { workItemAdds } from '../../shared/queue/work-item-adds.ts';
import type { WorkItemTransactions } from '../../shared/queue/work-item-transactions.ts';
import { workItemName } from '../../shared/queue/work-item-name.ts';
import { isDependencyUnavailable } from '../error-envelope.ts';

/**
 * The intake's side of BullMQ: a job record's work item, keyed by the job's own id so the
 * cancel and retry routes can find it again (and BullMQ drops a duplicate add). A record and
 * its work item are written in one MULTI: a job is never queued without a worker to come.
 */
export class JobQueue {
  constructor(
    private readonly queues: AccountQueues,
    private readonly jobs: JobStore,
    /** Where the MULTIs go: one per job, so they must be cheap to open. */
    private readonly transactions: WorkItemTransactions,
  ) {}

  /**
   * Stores a new record and queues its work item, together; 503 when Redis cannot. With
   * `delayMs`, the work item waits that long first: the safety net of a job the intake itself
   * is finishing (a cache hit), which it removes once the job is finished, and which otherwise
   * hands the job to a worker (the intake died half way).
   */
  async create(record: JobRecord, delayMs?: number): Promise<void> {
    const queue = this.queues.forJob(record.owner, record.type);
    await this.commit(async () => {
      const [priority = 0] = await this.queues.reservePriorities(queue, record.owner, 1);
      const adds = await workItemAdds(queue);
      const transaction = this.transactions.open(adds.script);
      this.jobs.addCreates(transaction, [record]);
      adds.addTo(transaction, [
        {
          name: workItemName(record),
          jobId: record.id,
          priority,
          ...(delayMs === undefined ? {} : { delayMs }),
        },
      ]);
      return transaction.exec();
    });
  }

  /**
   * A delayed work item (see {@link create}) made due now: the job is for a worker after all.
   * False when there is none waiting (a worker has it already, or it was removed).
   */
  async promote(record: JobRecord): Promise<boolean> {
    const job = await this.queues.forJob(record.owner, record.type).getJob(record.id);
    if (!job || !(await job.isDelayed())) return false;
    await job.promote();
    return true;
  }

  /**
   * A finished job back to `queued` (compare-and-set from `from`) with its work item queued
   * again, together. The old work item (BullMQ keeps failed ones for days, and ignores an add
   * whose id it holds) must be gone first: see {@link remove}.
   */
  async requeue(
    record: JobRecord,
    from: JobRecord['status'][],
    patch: JobPatch,
  ): Promise<TransitionResult> {
    const queue = this.queues.forJob(record.owner, record.type);
    let moved: TransitionResult = { outcome: 'missing' };
    await this.commit(async () => {
      // A retry takes its place at the back of its tenant's share, as a new job would.
      const [priority = 0] = await this.queues.reservePriorities(queue, record.owner, 1);
      const adds = await workItemAdds(queue);
      const transaction = this.transactions.open(adds.script, transitionScript);
      this.jobs.addTransition(transaction, record.id, from, patch);
      // Queued even if the compare-and-set refuses: a work item for a job that is not queued
      // is a no-op for the worker, and never a second one (same id).
      adds.addTo(transaction, [{ name: workItemName(record), jobId: record.id, priority }]);
      const replies = await transaction.exec();
      moved = transitionOutcome(replies?.[0]?.[1]);
      return replies;
    });
    return moved;
  }

  /**
   * Removes a job's work item if no worker holds it. `locked` means a worker is running it
   * (BullMQ refuses to remove an active job); `absent` that there is none. Every account's
   * queue of the class is looked in: the owner's account may have changed since it was queued.
   */
  async remove(type: JobType, id: string): Promise<'removed' | 'absent' | 'locked'> {
    for (const queue of this.queues.ofClass(JOB_CLASS_OF[type])) {
      const job = await queue.getJob(id);
      if (!job) continue;
      try {
        await job.remove();
        return 'removed';
      } catch (error) {
        if (isDependencyUnavailable(error)) throw error;
        return 'locked';
      }
    }
    return 'absent';
  }

  /**
   * A safety net (see {@link create}) removed once its job is finished, in one script call: the
   * item is the one {@link create} or the batch intake queued, in the job's own queue, so it is
   * not looked up first. False when a worker holds it (it came due): that delivery then finds
   * the job finished and only repeats what follows a finish.
   */
  async removeSafetyNet(job: { id: string; owner: string; type: JobType }): Promise<boolean> {
    // 1: removed, or already gone; 0: locked by a worker.
    return (await this.queues.forJob(job.owner, job.type).remove(job.id)) === 1;
  }

  /** Runs a transaction; any failed command, or Redis away, is a 503 with nothing accepted. */
  private async commit(run: () => Promise<[Error | null, unknown][] | null>): Promise<void> {
    let replies: [Error | null, unknown][] | null;
    try {
      replies = await run();
    } catch (error) {
      if (!isDependencyUnavailable(error)) throw error;
      throw new ServiceUnavailableError('The job could not be queued; retry shortly.', error);
    }
    const failed = replies?.find(([error]) => error !== null)?.[0];
    if (replies === null || failed)
      throw new ServiceUnavailableError('The job could not be queued; retry shortly.', failed);
  }
}
