import type { Redis } from '../../shared/redis/connections.ts';
import { z } from 'zod';
import { NotFoundError } from '../../shared/errors.ts';
import type { JobClass } from '../../shared/jobs/job-types.ts';
import type { Logger } from '../../shared/logger.ts';
import type { AccountQueues } from '../../shared/queue/account-queues.ts';
import {
  pauseClass,
  pauseReason,
  pauseReasonSchema,
  resumeClass,
} from '../../shared/queue/queue-pause.ts';
import type { ClassQueue } from '../../shared/queue/queues.ts';
import type { RedisKeys } from '../../shared/redis/keys.ts';
import { DEFAULT_ACCOUNT } from '../../shared/tenants/upstream-accounts.ts';

/** A class queue as the admin routes show it. */
export const queueStateSchema = z.object({
  /** The upstream account the queue belongs to (`default` unless UPSTREAM_ACCOUNTS names it). */
  account: z.string(),
  class: z.enum(['speech', 'music']),
  paused: z.boolean(),
  paused_reason: pauseReasonSchema.nullable(),
  counts: z.object({
    waiting: z.number().int(),
    active: z.number().int(),
    delayed: z.number().int(),
    failed: z.number().int(),
  }),
});
export type QueueState = z.infer<typeof queueStateSchema>;

export type QueueAdminDeps = {
  redis: Redis;
  keys: RedisKeys;
  queues: AccountQueues;
  logger: Logger;
};

/**
 * Queue control for operators: resume an account's class queue after its pause (quota topped
 * up), or pause one by hand. Pausing is BullMQ's global pause: jobs stay queued, none fails.
 */
export class QueueAdmin {
  constructor(private readonly deps: QueueAdminDeps) {}

  /** Every account's class queues, the default account's first. */
  async states(): Promise<QueueState[]> {
    return Promise.all(this.deps.queues.all.map((target) => this.stateOf(target)));
  }

  async state(jobClass: JobClass, account: string = DEFAULT_ACCOUNT): Promise<QueueState> {
    return this.stateOf(this.target(jobClass, account));
  }

  async resume(jobClass: JobClass, account: string = DEFAULT_ACCOUNT): Promise<QueueState> {
    const target = this.target(jobClass, account);
    await resumeClass(this.deps, target);
    this.deps.logger.warn({ class: jobClass, account }, 'class queue resumed by an admin');
    return this.stateOf(target);
  }

  async pause(jobClass: JobClass, account: string = DEFAULT_ACCOUNT): Promise<QueueState> {
    const target = this.target(jobClass, account);
    await pauseClass(this.deps, target, { code: 'admin', message: 'paused by an admin' });
    this.deps.logger.warn({ class: jobClass, account }, 'class queue paused by an admin');
    return this.stateOf(target);
  }

  private target(jobClass: JobClass, account: string): ClassQueue {
    const target = this.deps.queues.find(account, jobClass);
    if (!target) throw new NotFoundError(`Upstream account ${account}`);
    return target;
  }

  private async stateOf({ account, jobClass, id, queue }: ClassQueue): Promise<QueueState> {
    const [counts, paused, reason] = await Promise.all([
      queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
      queue.isPaused(),
      pauseReason(this.deps, id),
    ]);
    return {
      account,
      class: jobClass,
      paused,
      paused_reason: paused ? reason : null,
      counts: {
        waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
      },
    };
  }
}
