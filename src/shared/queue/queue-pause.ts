import type { Redis } from '../redis/connections.ts';
import { z } from 'zod';
import type { RedisKeys } from '../redis/keys.ts';
import type { ClassQueue } from './queues.ts';

/**
 * Why a class queue is paused. BullMQ's pause is a flag with no reason; the reason lives next to
 * it so `/readyz` and the admin can say *why* nothing moves (e.g. the account ran out of quota)
 * and an operator knows what to fix before resuming. Each account's class queue has its own
 * pause: one account's quota_exceeded never stops another account's jobs.
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
 * Pauses an account's class queue for every worker (BullMQ's global pause: active jobs
 * continue, nothing new is fetched) and records why. Returns false when it was already paused
 * for a reason, so a burst of quota errors logs one pause, not one per job.
 */
export async function pauseClass(
  deps: QueuePauseDeps,
  target: Pick<ClassQueue, 'id' | 'queue'>,
  reason: Omit<PauseReason, 'since'>,
): Promise<boolean> {
  const record: PauseReason = { ...reason, since: new Date().toISOString() };
  const first = await deps.redis.set(deps.keys.queuePause(target.id), JSON.stringify(record), 'NX');
  await target.queue.pause();
  return first === 'OK';
}

/** Resumes an account's class queue and forgets the reason. */
export async function resumeClass(
  deps: QueuePauseDeps,
  target: Pick<ClassQueue, 'id' | 'queue'>,
): Promise<void> {
  await target.queue.resume();
  await deps.redis.del(deps.keys.queuePause(target.id));
}

/** The recorded reason of a class queue (by its id), or null (not paused, or no reason). */
export async function pauseReason(
  deps: QueuePauseDeps,
  classQueueId: string,
): Promise<PauseReason | null> {
  const raw = await deps.redis.get(deps.keys.queuePause(classQueueId));
  if (raw === null) return null;
  const parsed = pauseReasonSchema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
}
