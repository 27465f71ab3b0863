import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { defaultJobOptions } from '../../src/shared/queue/queues.ts';

/**
 * The baselines' queue: BullMQ used directly, as a user without audiobatch would, with the
 * service's own job options, on the scenario's Redis under its own prefix.
 */
export function baselineQueue(connection: Redis): Queue {
  return new Queue('baseline', {
    connection,
    prefix: 'bench-baseline',
    defaultJobOptions: defaultJobOptions({
      prefix: 'bench-baseline',
      attempts: 5,
      backoffMs: 2000,
    }),
  });
}
