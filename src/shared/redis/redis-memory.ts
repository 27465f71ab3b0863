import { z } from 'zod';
import type { Redis } from './connections.ts';

/**
 * Redis memory against its `maxmemory`. With `noeviction` (required: see the README), a Redis
 * at its limit refuses every write, so readiness warns well before: past WARN_RATIO.
 */
export const WARN_RATIO = 0.8;

export const redisMemorySchema = z.object({
  used_bytes: z.number().int(),
  /** 0: no limit set (the host's memory is the limit). */
  maxmemory_bytes: z.number().int(),
  /** used / maxmemory; null without a limit. */
  ratio: z.number().nullable(),
  /** Past 80 % of maxmemory: lower the retention (JOB_RETENTION_DAYS) or give Redis more. */
  warning: z.boolean(),
});
export type RedisMemory = z.infer<typeof redisMemorySchema>;

/** Reads `INFO memory` (on a Cluster, of the node ioredis picks: one deployment, one slot). */
export async function redisMemory(redis: Redis): Promise<RedisMemory> {
  return memoryFromInfo(await redis.info('memory'));
}

/** The memory figures of an `INFO memory` reply. */
export function memoryFromInfo(info: string): RedisMemory {
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  const used = field('used_memory');
  const max = field('maxmemory');
  const ratio = max > 0 ? used / max : null;
  return {
    used_bytes: used,
    maxmemory_bytes: max,
    ratio,
    warning: ratio !== null && ratio > WARN_RATIO,
  };
}
