import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStorage } from '../../../src/shared/storage/object-storage.ts';
import { testAudio } from '../../support/audio-bytes.ts';
import { testRedisUrl } from '../../support/test-env.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';
import { fuzzRequest, ROUTE_COUNT, type KnownIds } from './fuzz/request-arbitraries.ts';

/**
 * Reliability promise 6 under fuzzing: generated requests at every route, auth on. None may
 * answer 5xx or crash the app, every error is the envelope, and a refused request leaves
 * nothing: no Redis key (the app has a Redis database of its own here, so DBSIZE is exact and
 * cheap), no stored object (counted at the storage interface, checked against a real listing
 * at the end). FUZZ_RUNS overrides the count; FUZZ_SEED replays a run.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const KEY = 'fuzz-tenant-key-6c2e8a4f1b';
const ADMIN = 'fuzz-admin-key-9d3f7b1e5a2c';
/** A database no other test file uses: the fuzz run's keys are all there is in it. */
const FUZZ_DB = 9;

/** The objects the app has stored, tracked at the storage interface. */
function trackingStorage(storage: ObjectStorage, present: Set<string>): ObjectStorage {
  return new Proxy(storage, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'put')
        return async (key: string, ...rest: unknown[]) => {
          const stored = await (value as (...a: unknown[]) => Promise<unknown>).call(
            target,
            key,
            ...rest,
          );
          present.add(key);
          return stored;
        };
      if (property === 'copy')
        return async (from: string, to: string) => {
          await (value as (a: string, b: string) => Promise<void>).call(target, from, to);
          present.add(to);
        };
      if (property === 'delete')
        return async (key: string) => {
          await (value as (k: string) => Promise<void>).call(target, key);
          present.delete(key);
        };
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

describe('fuzzing every route', () => {
  let api: ApiHarness;
  const present = new Set<string>();
  let ids: KnownIds;

  beforeAll(async () => {
    const url = new URL(testRedisUrl());
    url.pathname = `/${FUZZ_DB}`;
    api = await startApiHarness({
      redisUrl: url.toString(),
      apiKeys: [`fuzz:${KEY}`],
      wrapStorage: (storage) => trackingStorage(storage, present),
      env: {
        ADMIN_API_KEY: ADMIN,
        WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 5).toString('base64')}`,
        // Limits are tested on their own; here they would only turn requests into 429s.
        RATE_LIMIT_PER_MINUTE: '1000000000',
        MAX_QUEUED_JOBS_PER_TENANT: '1000000000',
      },
    });
    await api.deps.redis.flushdb();
    // Real resources to aim at, finished so that no ?wait= holds a request.
    const upload = await api.upload(testAudio(600, 3), KEY);
    const job = await api.createJob({}, KEY);
    await api.finishJob(job.id, { status: 'succeeded' });
    const batch = await api.call({
      method: 'POST',
      url: '/v1/batches',
      key: KEY,
      payload: { items: [{ type: 'music_plan', params: { prompt: 'x' } }] },
    });
    const batchId = batch.json<{ id: string }>().id;
    ids = { job: job.id, batch: batchId, upload };
  });
  afterAll(async () => {
    await api?.close();
  });

  /**
   * The keys a request added. Keys that vanish meanwhile are not the request's doing: the
   * limiter's window counter and the queued-jobs sweep lock expire by themselves (TTL).
   */
  async function redisKeys(): Promise<Set<string>> {
    return new Set(await api.deps.redis.keys('*'));
  }
  const comesAndGoes = (key: string) =>
    key.startsWith(api.deps.keys.rateLimitPrefix) || key === api.deps.keys.tenantSweep('fuzz');

  it(`answers ${RUNS} generated requests at ${ROUTE_COUNT} routes without a 5xx, leaving nothing behind refusals`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fuzzRequest(ids, KEY, ADMIN), async (request) => {
        const keysBefore = await redisKeys();
        const objectsBefore = present.size;
        // Repeated headers travel as arrays, which the inject types do not admit.
        const response = await api.app.inject(request as unknown as InjectOptions);
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        // /readyz says 503 by design here: jobs wait and no worker consumes them.
        if (response.statusCode === 503 && new URL(request.url, 'http://x').pathname === '/readyz')
          return;
        expect(response.statusCode, response.body.slice(0, 500)).toBeLessThan(500);
        if (response.statusCode >= 400) {
          const body = response.json<{ error: { code: string; request_id: string } }>();
          expect(body.error.code).toEqual(expect.any(String));
          expect(body.error.request_id).toBe(response.headers['x-request-id']);
          const added = [...(await redisKeys())].filter(
            (key) => !keysBefore.has(key) && !comesAndGoes(key),
          );
          expect(added, 'Redis keys left by a refused request').toEqual([]);
          expect(present.size, 'objects left by a refused request').toBe(objectsBefore);
        }
      }),
      {
        numRuns: RUNS,
        ...(process.env.FUZZ_SEED && { seed: Number(process.env.FUZZ_SEED) }),
        endOnFailure: true,
      },
    );
    // Still serving, and what the storage holds is exactly what was tracked.
    expect((await api.call({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await api.createJob({}, KEY)).status).toBe('queued');
    expect((await api.storedKeys()).sort()).toEqual([...present].sort());
    const refused = [...statuses].filter(([s]) => s >= 400).reduce((n, [, c]) => n + c, 0);
    // The mix must exercise both sides: mostly refusals, some successes.
    expect(refused).toBeGreaterThan(RUNS / 2);
    expect(RUNS - refused).toBeGreaterThan(RUNS / 100);
  }, 600_000);
});
