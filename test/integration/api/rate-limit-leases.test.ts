import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/api/app.ts';
import { RateLimitLeases } from '../../../src/api/rate-limit-leases.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

/**
 * The limiter reserves 1 % of a tenant's window per api process at a time: most requests
 * cost no Redis call, and all processes together still serve at most the limit.
 */

const GAMMA = 'gamma-lease-key-5b1e9c3a7d';
const WINDOW_MS = 60_000;

describe('rate limit leases', () => {
  let api: ApiHarness;
  let redis: Redis;
  beforeAll(async () => {
    api = await startApiHarness({
      apiKeys: [`gamma:${GAMMA}`],
      env: { RATE_LIMIT_PER_MINUTE: '1000' },
    });
    redis = createRedis({ kind: 'single', url: testRedisUrl() }, 'worker', 'lease-test');
  });
  afterAll(async () => {
    redis.disconnect();
    await api.close();
  });

  it('reserves a lease of 1 % of the limit, not one count per request', async () => {
    const leases = new RateLimitLeases(redis);
    const key = `${uniquePrefix('lease')}:tenant:a`;
    // Concurrent requests wait for one reservation rather than each reserving their own.
    const counts = await Promise.all(
      Array.from({ length: 25 }, () => leases.count(key, WINDOW_MS, 1000)),
    );
    expect(await redis.get(key)).toBe('30');
    expect(counts.map((count) => count.current).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    expect(Math.max(...counts.map((count) => count.ttl))).toBeLessThanOrEqual(WINDOW_MS);
    await redis.del(key);
  });

  it('refuses past the limit without reserving more, once the window ran out', async () => {
    const leases = new RateLimitLeases(redis);
    const key = `${uniquePrefix('lease')}:tenant:b`;
    await redis.set(key, '995', 'PX', WINDOW_MS);
    const served = [];
    for (let i = 0; i < 8; i++) served.push((await leases.count(key, WINDOW_MS, 1000)).current);
    // Five were left: granted, then refused (current > max) from the partial lease alone.
    expect(served).toEqual([996, 997, 998, 999, 1000, 1001, 1002, 1003]);
    expect(await redis.get(key)).toBe('1000');
    await redis.del(key);
  });

  it('serves at most the limit across two api processes', async () => {
    const second = await buildApp(api.deps);
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 1100; i++) {
        const app = i % 2 === 0 ? api.app : second;
        const response = await app.inject({
          method: 'GET',
          url: '/v1/jobs',
          headers: { authorization: `Bearer ${GAMMA}` },
        });
        statuses.push(response.statusCode);
        if (response.statusCode === 429)
          expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      }
      const ok = statuses.filter((status) => status === 200).length;
      expect(ok).toBeLessThanOrEqual(1000);
      // At most one lease (10) per process, less the request that found it, left unused.
      expect(ok).toBeGreaterThanOrEqual(1000 - 2 * 9);
      expect(statuses.filter((status) => status === 429).length).toBe(1100 - ok);
      expect(await redis.get(`${api.deps.keys.rateLimitPrefix}tenant:gamma`)).toBe('1000');
    } finally {
      await second.close();
    }
  });
});
