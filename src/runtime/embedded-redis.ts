import { resolve } from 'node:path';
import type { Config } from '../shared/config.ts';
import type { Logger } from '../shared/logger.ts';
import { startRedisServer } from '../shared/redis/redis-process.ts';
import {
  describeRedisTarget,
  redisTargetOf,
  type RedisTarget,
} from '../shared/redis/redis-target.ts';
import { forgetRedisPid, rememberRedisPid, stopStaleRedis } from './stale-redis.ts';

/**
 * The Redis to use: the one the config names (REDIS_URL, REDIS_CLUSTER_NODES or
 * REDIS_SENTINELS); otherwise, for the all-in-one process only, a private redis-server child
 * with AOF and noeviction under REDIS_DATA_DIR, stopped last on exit. Split processes (api,
 * worker) must share one Redis, so they require one named.
 */
export async function resolveRedis(
  config: Config,
  role: 'all' | 'api' | 'worker',
  logger: Logger,
): Promise<{ target: RedisTarget; stop: (() => Promise<void>) | null }> {
  const configured = redisTargetOf(config);
  if (configured) {
    logger.info(
      { redis: describeRedisTarget(configured), prefix: config.QUEUE_PREFIX },
      'using the configured Redis',
    );
    return { target: configured, stop: null };
  }
  if (role !== 'all') {
    throw new Error(
      `REDIS_URL (or REDIS_CLUSTER_NODES, or REDIS_SENTINELS) is required for "${role}": ` +
        'split processes must share one Redis. ' +
        'Run `npm start` for the all-in-one process with an embedded Redis.',
    );
  }
  const dir = resolve(config.REDIS_DATA_DIR);
  await stopStaleRedis(dir, logger);
  // Its own process group: Ctrl-C on `npm start` must not kill it under the workers' feet.
  const child = await startRedisServer({ dir, appendOnly: true, ownProcessGroup: true });
  await rememberRedisPid(dir, child.pid);
  logger.info(
    { url: child.url, dir },
    'REDIS_URL unset: started an embedded redis-server (AOF on, noeviction)',
  );
  const stop = async () => {
    await child.stop();
    await forgetRedisPid(dir);
  };
  return { target: { kind: 'single', url: child.url }, stop };
}
