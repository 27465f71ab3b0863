import type { Redis } from '../redis/connections.ts';
import { z } from 'zod';
import type { RedisKeys } from '../redis/keys.ts';

/**
 * Worker processes say they are consuming a class by writing a heartbeat every few seconds.
 * BullMQ's worker list only shows open connections; a process whose fetch loop died keeps its
 * connection, so readiness reads these instead: who is alive, and when each last fetched a job.
 */
export const heartbeatSchema = z.object({
  pid: z.number().int(),
  /** ms since the epoch of this heartbeat. */
  seen_at: z.number(),
  /** ms since the epoch of the last job this process fetched from the class; null: none yet. */
  last_fetch_at: z.number().nullable(),
  /** Jobs of the class this process holds now, and how many it may hold. */
  active: z.number().int(),
  concurrency: z.number().int(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** A heartbeat older than this means the process is gone (killed, frozen). */
export const HEARTBEAT_INTERVAL_MS = 5_000;
export const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_INTERVAL_MS;

export async function writeHeartbeat(
  redis: Redis,
  keys: RedisKeys,
  classQueueId: string,
  instanceId: string,
  heartbeat: Heartbeat,
): Promise<void> {
  await redis.hset(keys.workerHeartbeats(classQueueId), instanceId, JSON.stringify(heartbeat));
}

export async function removeHeartbeat(
  redis: Redis,
  keys: RedisKeys,
  classQueueId: string,
  instanceId: string,
): Promise<void> {
  await redis.hdel(keys.workerHeartbeats(classQueueId), instanceId);
}

/** The live heartbeats of a class queue (by its id); stale ones (dead processes) are deleted on the way. */
export async function liveHeartbeats(
  redis: Redis,
  keys: RedisKeys,
  classQueueId: string,
  now: number = Date.now(),
): Promise<Heartbeat[]> {
  const raw = await redis.hgetall(keys.workerHeartbeats(classQueueId));
  const live: Heartbeat[] = [];
  const stale: string[] = [];
  for (const [id, text] of Object.entries(raw)) {
    const parsed = heartbeatSchema.safeParse(safeJson(text));
    if (parsed.success && now - parsed.data.seen_at <= HEARTBEAT_TTL_MS) live.push(parsed.data);
    else stale.push(id);
  }
  if (stale.length > 0) await redis.hdel(keys.workerHeartbeats(classQueueId), ...stale);
  return live;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
