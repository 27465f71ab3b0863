import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisProcess } from '../../../src/shared/redis/redis-process.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';
import { testAudio } from '../../support/audio-bytes.ts';

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

  it('answers POST /v1/jobs with 503 service_unavailable in under 2 s', async () => {
    const started = Date.now();
    const response = await api.call({ method: 'POST', url: '/v1/jobs', payload: jobRequest() });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: { code: 'service_unavailable', details: [] } });
    expect(response.body).not.toMatch(/ECONNREFUSED|writeable|ioredis/);
  });

  it('answers reads, cancels and long polls with 503 quickly too', async () => {
    for (const call of [
      { method: 'GET', url: `/v1/jobs/${jobId}` },
      { method: 'GET', url: `/v1/jobs/${jobId}?wait=10` },
      { method: 'GET', url: '/v1/jobs' },
      { method: 'POST', url: `/v1/jobs/${jobId}/cancel` },
    ] as const) {
      const started = Date.now();
      const response = await api.call(call);
      expect(response.statusCode, `${call.method} ${call.url}`).toBe(503);
      expect(Date.now() - started).toBeLessThan(2000);
    }
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
    const started = Date.now();
    const response = await api.call({ method: 'GET', url: '/readyz' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      status: 'unavailable',
      checks: { redis: 'fail', storage: 'ok' },
    });
  });
});
