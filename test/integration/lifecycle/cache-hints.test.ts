import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src/shared/jobs/job-record.ts';
import { hintedCandidates, storeCacheHint } from '../../../src/shared/lifecycle/cache-hints.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

describe('hintedCandidates', () => {
  let redis: Redis;
  const keys = redisKeys(uniquePrefix('cache-hints'));
  const scope = 'tenant.a';
  const candidate = (i: number) => ({ id: `job_${i}`, fingerprint: `sha256:f${i}`, scope });

  beforeAll(async () => {
    redis = createRedis({ kind: 'single', url: testRedisUrl() }, 'intake', 'cache-hints-test');
    // The intake's connection queues nothing while it connects.
    if (redis.status !== 'ready') await new Promise((ready) => redis.once('ready', ready));
    // Every 500th fingerprint answered by another job; one (f0) by the asking job itself.
    for (let i = 0; i < 2_500; i += 500) {
      const source = { id: i === 0 ? 'job_0' : `job_src${i}`, run_id: 'run_1' };
      const record = { ...source, fingerprint: `sha256:f${i}`, owner: 'a', cache_scope: scope };
      await storeCacheHint({ redis, keys }, record as unknown as JobRecord);
    }
  });
  afterAll(async () => {
    const written = await redis.keys(keys.cacheHint(scope, '*'));
    if (written.length) await redis.del(...written);
    redis.disconnect();
  });

  it('finds a single job’s hint (a plain MGET), and not one naming the job itself', async () => {
    const found = await hintedCandidates({ redis, keys }, [candidate(500)]);
    expect(found).toEqual([{ ...candidate(500), hint: { jobId: 'job_src500', runId: 'run_1' } }]);
    expect(await hintedCandidates({ redis, keys }, [candidate(0)])).toEqual([]);
  });

  // Within one MGET's size, and past it (a pipeline of MGETs): in the candidates' order.
  it.each([501, 2_500])('finds the hints of %i candidates, in order', async (count) => {
    const candidates = Array.from({ length: count }, (_, i) => candidate(i));
    const found = await hintedCandidates({ redis, keys }, candidates);
    const expected = [500, 1_000, 1_500, 2_000].filter((i) => i < count);
    expect(found.map((c) => c.id)).toEqual(expected.map((i) => `job_${i}`));
    expect(found.map((c) => c.hint)).toEqual(
      expected.map((i) => ({ jobId: `job_src${i}`, runId: 'run_1' })),
    );
  });
});
