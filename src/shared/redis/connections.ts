import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

/**
 * Two kinds of Redis connection, because the two sides want opposite things when Redis is away:
 * the intake must fail fast (a 503 beats a hanging request), a worker must wait it out.
 */
export type RedisRole = 'intake' | 'worker';

export function createRedis(url: string, role: RedisRole, name: string): Redis {
  return new Redis(url, {
    connectionName: `audiobatch:${name}`,
    // BullMQ workers block on Redis: null lets a command wait for the reconnect instead of failing.
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    // The intake refuses commands while disconnected instead of queueing them in memory.
    enableOfflineQueue: role === 'worker',
    // A Redis that hangs without closing must not hang requests either: fail them with 503.
    ...(role === 'intake' && { commandTimeout: 2_000, connectTimeout: 2_000 }),
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
}

/**
 * BullMQ loses jobs when Redis evicts keys; say so loudly at startup. Managed Redis often
 * disables CONFIG, which is not an error.
 */
export async function warnUnlessNoEviction(redis: Redis, logger: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      logger.warn(
        { maxmemory_policy: policy },
        'Redis maxmemory-policy is not noeviction: queued jobs can be evicted and lost',
      );
    }
  } catch {
    logger.debug('could not read maxmemory-policy (CONFIG disabled?)');
  }
}
