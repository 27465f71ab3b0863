import { Redis } from 'ioredis';
import type { ObjectStorage } from '../../../src/shared/storage/object-storage.ts';

/**
 * What a deployment holds at one moment: every Redis key under its prefix and every object in
 * its storage. Deleting something must bring both back to what they were before it existed,
 * apart from the keys listed in {@link OUTLIVING_KEYS}.
 */
export interface Traces {
  keys: string[];
  objects: string[];
}

/**
 * Keys that outlive what is deleted, on purpose: the tenant's usage ledger (the billing record,
 * `GET /v1/usage`), the queues' own bookkeeping (BullMQ's per-queue keys: id counter, events
 * stream, metadata, markers; not per job) and its fair-share clocks, the retention sweep's own queue, the rate
 * limiter's counters and the worker heartbeats. None of them is one job's, batch's or upload's.
 */
export const OUTLIVING_KEYS = [
  /:usage:[^:]+:(day|month):/,
  /:(jobs-speech|jobs-music|webhooks|batch-finalize|retention):(id|events|meta|marker|stalled-check|de|limiter|repeat|pc)$/,
  /:ratelimit:/,
  // A queue's fair-share clocks (tenant → clock): the queue's bookkeeping, not one job's.
  /:fairshare:/,
  // The retention sweep's own queue and schedule (its next run, its last few runs).
  /:retention:/,
  /:workers:/,
];

export async function traces(
  redisUrl: string,
  prefix: string,
  storage: ObjectStorage,
): Promise<Traces> {
  const redis = new Redis(redisUrl);
  try {
    const keys = new Set<string>();
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of found) keys.add(key);
    } while (cursor !== '0');
    const objects: string[] = [];
    for await (const key of storage.list('')) objects.push(key);
    return {
      keys: [...keys].filter((k) => !OUTLIVING_KEYS.some((r) => r.test(k))).sort(),
      objects,
    };
  } finally {
    redis.disconnect();
  }
}
