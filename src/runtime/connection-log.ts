import type { Redis } from '../shared/redis/connections.ts';
import type { Logger } from '../shared/logger.ts';

/**
 * Logs a Redis connection going away and coming back, once each, instead of letting ioredis
 * print every failed reconnect (several a second) as an unhandled error on stderr.
 */
export function logConnectionState(redis: Redis, logger: Logger, name: string): void {
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error, connection: name }, 'Redis connection lost: reconnecting');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ connection: name }, 'Redis connection restored');
  });
}
