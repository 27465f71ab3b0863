import type { Redis } from 'ioredis';
import { z } from 'zod';
import { JOB_CLASSES, type JobClass } from '../../shared/jobs/job-types.ts';
import type { ClassQueues } from '../../shared/queue/queues.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';

const checkStatus = z.enum(['ok', 'fail']);

const queueCheckSchema = z.object({
  status: checkStatus,
  /** Jobs waiting for a worker (waiting + prioritized); null when Redis did not answer. */
  waiting: z.number().int().nullable(),
  /** Worker connections registered on the queue. */
  workers: z.number().int().nullable(),
  /** Paused (e.g. after the upstream's quota_exceeded): jobs stay queued, nothing fails. */
  paused: z.boolean().nullable(),
});

/** The `/readyz` body, 200 or 503 alike. */
export const readinessSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.object({
    redis: checkStatus,
    storage: checkStatus,
    workers: z.record(z.enum(JOB_CLASSES), queueCheckSchema),
  }),
});
export type Readiness = z.infer<typeof readinessSchema>;
type QueueCheck = z.infer<typeof queueCheckSchema>;

/** Each probe's budget: a readiness probe must answer even when a backend hangs. */
const CHECK_TIMEOUT_MS = 2_000;

/** What readiness probes. */
export type ReadinessDeps = { redis: Redis; storage: ObjectStorage; queues: ClassQueues };

/**
 * Ready means work can flow: Redis answers, storage answers, and no class has jobs waiting
 * with nobody consuming them (reliability.md: "health means consuming"). A paused queue is
 * reported but does not fail readiness: the intake still accepts, and jobs stay queued.
 */
export async function checkReadiness(deps: ReadinessDeps): Promise<Readiness> {
  const [redis, storage, ...classes] = await Promise.all([
    probe(deps.redis.ping()),
    probe(deps.storage.ping()),
    ...JOB_CLASSES.map((jobClass) => checkQueue(deps.queues, jobClass)),
  ]);
  const workers = Object.fromEntries(JOB_CLASSES.map((c, i) => [c, classes[i]!])) as Record<
    JobClass,
    QueueCheck
  >;
  const ready = redis === 'ok' && storage === 'ok' && classes.every((c) => c.status === 'ok');
  return { status: ready ? 'ok' : 'unavailable', checks: { redis, storage, workers } };
}

async function checkQueue(queues: ClassQueues, jobClass: JobClass): Promise<QueueCheck> {
  const queue = queues[jobClass];
  try {
    const [counts, workers, paused] = await withTimeout(
      Promise.all([
        queue.getJobCounts('waiting', 'prioritized'),
        queue.getWorkersCount(),
        queue.isPaused(),
      ]),
    );
    const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
    return { status: waiting > 0 && workers === 0 ? 'fail' : 'ok', waiting, workers, paused };
  } catch {
    return { status: 'fail', waiting: null, workers: null, paused: null };
  }
}

async function probe(check: Promise<unknown>): Promise<'ok' | 'fail'> {
  try {
    await withTimeout(check);
    return 'ok';
  } catch {
    return 'fail';
  }
}

async function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('check timed out')), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
