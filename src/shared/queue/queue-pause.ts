import type { Queue } from 'bullmq';
import type { Redis } from '../redis/connections.ts';
import { z } from 'zod';
import type { JobClass } from '../jobs/job-types.ts';
import type { RedisKeys } from '../redis/keys.ts';
import type { QueuePayload } from './queues.ts';

/**
 * Why a class queue is paused. BullMQ's pause is a flag with no reason; the reason lives next to
 * it so `/readyz` and the admin can say *why* nothing moves (e.g. the account ran out of quota)
 * and an operator knows what to fix before resuming.
 */
export const pauseReasonSchema = z.object({
  /** `quota_exceeded`, or `admin` for a manual pause. */
  code: z.string(),
  message: z.string(),
  /** ISO time of the pause. */
  since: z.string(),
});
export type PauseReason = z.infer<typeof pauseReasonSchema>;

export interface QueuePauseDeps {
  redis: Redis;
  keys: RedisKeys;
}

/**
 * Pauses the class queue for every worker (BullMQ's global pause: active jobs continue, nothing
 * new is fetched) and records why. Returns false when it was already paused for a reason, so a
 * burst of quota errors logs one pause, not one per job.
 */
export async function pauseClass(
  deps: QueuePauseDeps,
  queue: Queue<QueuePayload>,
  jobClass: JobClass,
  reason: Omit<PauseReason, 'since'>,
): Promise<boolean> {
  const record: PauseReason = { ...reason, since: new Date().toISOString() };
  const first = await deps.redis.set(deps.keys.queuePause(jobClass), JSON.stringify(record), 'NX');
  await queue.pause();
  return first === 'OK';
}

/** Resumes the class queue and forgets the reason. */
export async function resumeClass(
  deps: QueuePauseDeps,
  queue: Queue<QueuePayload>,
  jobClass: JobClass,
): Promise<void> {
  await queue.resume();
  await deps.redis.del(deps.keys.queuePause(jobClass));
}

/** The recorded reason, or null (not paused, or paused by hand without one). */
export async function pauseReason(
  deps: QueuePauseDeps,
  jobClass: JobClass,
): Promise<PauseReason | null> {
  const raw = await deps.redis.get(deps.keys.queuePause(jobClass));
  if (raw === null) return null;
  const parsed = pauseReasonSchema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
}
