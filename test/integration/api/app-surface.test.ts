import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './api-harness.ts';
import { testAudio } from '../../support/audio-bytes.ts';

/** What every client sees regardless of route: the error envelope, the docs, the probes. */
describe('app surface', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api.close();
  });

  it('answers unknown routes with the 404 envelope', async () => {
    const response = await api.call({ method: 'GET', url: '/v2/nothing?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/json');
    expect(response.json()).toEqual({
      error: {
        code: 'not_found',
        message: 'No route GET /v2/nothing.',
        details: [],
        request_id: response.headers['x-request-id'],
      },
    });
  });

  it('answers invalid JSON and oversized JSON with the envelope', async () => {
    const invalid = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: '{',
      headers: { 'content-type': 'application/json' },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({
      error: { code: 'invalid_json', details: [{ field: 'body' }] },
    });
    const big = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: `{"a":"${'x'.repeat(1024 * 1024)}"}`,
      headers: { 'content-type': 'application/json' },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('gives every request its own id, and ignores a client-sent one', async () => {
    const a = await api.call({
      method: 'GET',
      url: '/healthz',
      headers: { 'request-id': 'forged', 'x-request-id': 'forged' },
    });
    const b = await api.call({ method: 'GET', url: '/healthz' });
    expect(a.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('describes /v1/jobs with the job request schema in /openapi.json', async () => {
    const response = await api.call({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const spec = response.json<{
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    }>();
    expect(spec.openapi).toMatch(/^3\.1/);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/jobs',
        '/v1/jobs/{id}',
        '/v1/jobs/{id}/cancel',
        '/v1/jobs/{id}/retry',
        '/v1/jobs/{id}/outputs/{name}',
        '/v1/uploads',
        '/healthz',
        '/readyz',
      ]),
    );
    const post = JSON.stringify(spec.paths['/v1/jobs']?.post);
    for (const expected of [
      'speech_to_speech',
      'voice_id',
      'voice_settings',
      'upload_id',
      'output_format',
      '202',
    ]) {
      expect(post).toContain(expected);
    }
    expect(Object.keys(spec.paths).some((path) => path.startsWith('/docs'))).toBe(false);
  });

  it('serves the docs UI at /docs', async () => {
    let response = await api.call({ method: 'GET', url: '/docs' });
    if (response.statusCode === 302)
      response = await api.call({ method: 'GET', url: String(response.headers.location) });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    expect(response.body).toContain('swagger');
  });

  it('is live, and ready until jobs wait with no worker consuming', async () => {
    expect((await api.call({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const idleClass = {
      status: 'ok',
      problem: null,
      waiting: 0,
      active: 0,
      workers: 0,
      paused: false,
      paused_reason: null,
      last_fetch_at: null,
    };
    const ready = await api.call({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'ok',
      checks: {
        redis: 'ok',
        storage: 'ok',
        workers: {
          speech: { ...idleClass },
          music: { ...idleClass },
        },
        accounts: {},
        ffmpeg: { status: 'ok', source: expect.any(String) as string, reason: null },
      },
      paused_classes: [],
      paused_queues: [],
      redis_memory: {
        used_bytes: expect.any(Number) as number,
        maxmemory_bytes: 0,
        ratio: null,
        warning: false,
      },
      warnings: [],
    });
    const upload = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      payload: testAudio(64, 1),
    });
    await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: {
        type: 'speech_to_speech',
        params: { voice_id: 'abc' },
        input: { upload_id: upload.json<{ id: string }>().id },
      },
    });
    const stuck = await api.call({ method: 'GET', url: '/readyz' });
    expect(stuck.statusCode).toBe(503);
    expect(stuck.json()).toMatchObject({
      status: 'unavailable',
      checks: {
        workers: { speech: { status: 'fail', problem: 'no_workers', waiting: 1, workers: 0 } },
      },
    });
  });
});
