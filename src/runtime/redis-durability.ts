import type { Redis } from '../shared/redis/connections.ts';
import type { Logger } from '../shared/logger.ts';

/**
 * reliability.md: accepted jobs survive a Redis restart only with the AOF on. Say so loudly at
 * startup when it is off (or fsyncs less than every second). Managed Redis often disables
 * CONFIG, which is not an error: their persistence is configured elsewhere.
 */
export async function warnUnlessDurable(redis: Redis, logger: Logger): Promise<void> {
  try {
    const [, appendOnly] = (await redis.config('GET', 'appendonly')) as string[];
    const [, fsync] = (await redis.config('GET', 'appendfsync')) as string[];
    if (appendOnly === 'no') {
      logger.warn(
        'Redis appendonly is off: a Redis restart loses queued jobs. Set appendonly yes ' +
          '(appendfsync everysec; always for zero loss)',
      );
    } else if (fsync === 'no') {
      logger.warn({ appendfsync: fsync }, 'Redis appendfsync is "no": a crash can lose jobs');
    }
  } catch {
    logger.debug('could not read the AOF settings (CONFIG disabled?)');
  }
}
