import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisProcess } from '../../../src/shared/redis/redis-process.ts';
import { settlesWithin, waitUntil } from '../../support/eventually.ts';
import { testAudio } from '../../support/audio-bytes.ts';
import { startApiHarness, type ApiHarness, type Call } from './api-harness.ts';

/**
 * "503 at once" takes milliseconds. The bound is far above that, for a loaded machine, and below
 * what the broken behaviours take: an intake connection that waits for Redis to come back (as a
 * worker's does) never answers, and a long poll that waited would sit out its 10 s. The other
 * broken way, queueing commands until ioredis gives up, answers within about 2 s, too close to
 * "at once" to tell by the clock on a busy machine: the logged cause tells instead (below).
 */
const AT_ONCE_BOUND_MS = 5_000;

/** Reliability F5 at the intake: Redis away → 503 at once, nothing half-accepted. */
describe('Redis unavailable', () => {
  let dir: string;
  let redis: RedisProcess;
  let api: ApiHarness;
  let uploadId: string;
  let jobId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'api-redis-down-'));
    redis = await startRedisServer({ dir, appendOnly: false });
    api = await startApiHarness({ redisUrl: redis.url });
    const upload = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      payload: testAudio(64, 1),
    });
    uploadId = upload.json<{ id: string }>().id;
    const job = await api.call({ method: 'POST', url: '/v1/jobs', payload: jobRequest() });
    jobId = job.json<{ id: string }>().id;
    await redis.stop();
    // The tests are about an intake that knows Redis is gone; the close reaches its connection
    // a moment after the process exits, later on a busy machine.
    await waitUntil('the intake saw Redis go', () => api.deps.redis.status !== 'ready');
  });
  afterAll(async () => {
    await api.close();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const jobRequest = () => ({
    type: 'speech_to_speech',
    params: { voice_id: 'abc' },
    input: { upload_id: uploadId },
  });

  /** The response, failing the test if it takes longer than AT_ONCE_BOUND_MS. */
  const callAtOnce = (call: Call & { url: string }) =>
    settlesWithin(`${call.method} ${call.url} answered`, api.call(call), AT_ONCE_BOUND_MS);

  /**
   * Every 503 so far was refused by the connection itself (enableOfflineQueue: false), not after
   * a command waited in ioredis's queue for a retry that ran out: that is what makes it "at once".
   */
  const expectRefusedWithoutWaiting = () => {
    const causes = api.logs
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { msg?: string; err?: { message?: string } })
      .filter((line) => line.msg === 'backend unavailable')
      .map((line) => line.err?.message);
    expect(causes.length).toBeGreaterThan(0);
    for (const cause of causes) expect(cause).toMatch(/enableOfflineQueue/);
  };

  it('answers POST /v1/jobs with 503 service_unavailable at once', async () => {
    const response = await callAtOnce({ method: 'POST', url: '/v1/jobs', payload: jobRequest() });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: { code: 'service_unavailable', details: [] } });
    expect(response.body).not.toMatch(/ECONNREFUSED|writeable|ioredis/);
    expectRefusedWithoutWaiting();
  });

  it('answers reads, cancels and long polls with 503 quickly too', async () => {
    for (const call of [
      { method: 'GET', url: `/v1/jobs/${jobId}` },
      { method: 'GET', url: `/v1/jobs/${jobId}?wait=10` },
      { method: 'GET', url: '/v1/jobs' },
      { method: 'POST', url: `/v1/jobs/${jobId}/cancel` },
    ] as const) {
      const response = await callAtOnce(call);
      expect(response.statusCode, `${call.method} ${call.url}`).toBe(503);
    }
    expectRefusedWithoutWaiting();
  });

  it('refuses an upload with 503 and leaves no object behind', async () => {
    const before = await api.storedKeys();
    const response = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      payload: testAudio(64, 2),
    });
    expect(response.statusCode).toBe(503);
    expect(await api.storedKeys()).toEqual(before);
  });

  it('reports not ready, naming Redis', async () => {
    // Readiness gives each check 2 s, so even a hanging Redis cannot hold it past the bound.
    const response = await callAtOnce({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      status: 'unavailable',
      checks: { redis: 'fail', storage: 'ok' },
    });
  });
});
