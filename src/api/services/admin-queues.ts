import type { Redis } from '../../shared/redis/connections.ts';
import { z } from 'zod';
import type { JobClass } from '../../shared/jobs/job-types.ts';
import type { Logger } from '../../shared/logger.ts';
import {
  pauseClass,
  pauseReason,
  pauseReasonSchema,
  resumeClass,
} from '../../shared/queue/queue-pause.ts';
import type { ClassQueues } from '../../shared/queue/queues.ts';
import type { RedisKeys } from '../../shared/redis/keys.ts';

/** A class queue as the admin routes show it. */
export const queueStateSchema = z.object({
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

export type QueueAdminDeps = { redis: Redis; keys: RedisKeys; queues: ClassQueues; logger: Logger };

/**
 * Queue control for operators: resume a class after its pause (quota topped up), or pause one
 * by hand. Pausing is BullMQ's global pause: jobs stay queued, none fails.
 */
export class QueueAdmin {
  constructor(private readonly deps: QueueAdminDeps) {}

  async state(jobClass: JobClass): Promise<QueueState> {
    const queue = this.deps.queues[jobClass];
    const [counts, paused, reason] = await Promise.all([
      queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
      queue.isPaused(),
      pauseReason(this.deps, jobClass),
    ]);
    return {
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

  async resume(jobClass: JobClass): Promise<QueueState> {
    await resumeClass(this.deps, this.deps.queues[jobClass], jobClass);
    this.deps.logger.warn({ class: jobClass }, 'class queue resumed by an admin');
    return this.state(jobClass);
  }

  async pause(jobClass: JobClass): Promise<QueueState> {
    await pauseClass(this.deps, this.deps.queues[jobClass], jobClass, {
      code: 'admin',
      message: 'paused by an admin',
    });
    this.deps.logger.warn({ class: jobClass }, 'class queue paused by an admin');
    return this.state(jobClass);
  }
}
