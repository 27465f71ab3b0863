import { afterEach, describe, expect, it, vi } from 'vitest';
import { createReadiness } from '../../../src/api/services/readiness.ts';
import { writeHeartbeat } from '../../../src/shared/queue/worker-heartbeats.ts';
import { startApiHarness, type ApiHarness } from '../api/api-harness.ts';

const KEY = 'key-0123456789abcdef';
const ADMIN = 'admin-0123456789abcdef';
const basic = (password: string) => `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;

describe('admin routes, /metrics and /readyz', () => {
  let api: ApiHarness;
  afterEach(async () => {
    vi.useRealTimers();
    await api.close();
  });

  it('admin routes take the admin key only, as Bearer or Basic', async () => {
    api = await startApiHarness({ apiKeys: [KEY], env: { ADMIN_API_KEY: ADMIN } });
    const none = await api.call({ method: 'GET', url: '/v1/admin/queues' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toContain('Basic');
    expect(none.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await api.call({ method: 'GET', url: '/v1/admin/queues', key: KEY })).statusCode).toBe(
      401,
    );
    const bearer = await api.call({ method: 'GET', url: '/v1/admin/queues', key: ADMIN });
    expect(bearer.statusCode).toBe(200);
    expect(bearer.json<{ data: { class: string }[] }>().data.map((q) => q.class)).toEqual([
      'speech',
      'music',
    ]);
    const viaBasic = await api.call({
      method: 'GET',
      url: '/v1/admin/queues',
      headers: { authorization: basic(ADMIN) },
    });
    expect(viaBasic.statusCode).toBe(200);
    // The admin key is not an API key either.
    expect((await api.call({ method: 'GET', url: '/v1/jobs', key: ADMIN })).statusCode).toBe(401);
  });

  it('pauses and resumes a class; /readyz reports the pause and its reason, still ready', async () => {
    api = await startApiHarness({ env: { ADMIN_API_KEY: ADMIN } });
    const paused = await api.call({
      method: 'POST',
      url: '/v1/admin/queues/speech/pause',
      key: ADMIN,
    });
    expect(paused.json()).toMatchObject({
      class: 'speech',
      paused: true,
      paused_reason: { code: 'admin' },
    });
    const ready = await api.call({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      paused_classes: ['speech'],
      // The test Redis has no maxmemory: figures, no ratio, no warning.
      redis_memory: { ratio: null, warning: false },
      warnings: [],
      checks: { workers: { speech: { paused: true, paused_reason: { code: 'admin' } } } },
    });
    const resumed = await api.call({
      method: 'POST',
      url: '/v1/admin/queues/speech/resume',
      key: ADMIN,
    });
    expect(resumed.json()).toMatchObject({ paused: false, paused_reason: null });
    expect((await api.call({ method: 'GET', url: '/readyz' })).json()).toMatchObject({
      paused_classes: [],
    });
    const unknown = await api.call({
      method: 'POST',
      url: '/v1/admin/queues/video/resume',
      key: ADMIN,
    });
    expect(unknown.statusCode).toBe(422);
  });

  it('serves the bull-board dashboard at /admin/queues behind the admin key', async () => {
    api = await startApiHarness({ apiKeys: [KEY], env: { ADMIN_API_KEY: ADMIN } });
    expect((await api.call({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(401);
    const page = await api.call({
      method: 'GET',
      url: '/admin/queues',
      headers: { authorization: basic(ADMIN) },
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const queues = await api.call({ method: 'GET', url: '/admin/queues/api/queues', key: ADMIN });
    expect(queues.statusCode).toBe(200);
    expect(queues.body).toContain('jobs-speech');
    expect(
      (await api.call({ method: 'GET', url: '/admin/queues/api/queues', key: KEY })).statusCode,
    ).toBe(401);
  });

  it('has no admin routes without ADMIN_API_KEY', async () => {
    api = await startApiHarness();
    expect((await api.call({ method: 'GET', url: '/v1/admin/queues' })).statusCode).toBe(404);
    expect((await api.call({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(404);
  });

  it('serves Prometheus metrics without a key: jobs, queue depth, slots, workers', async () => {
    api = await startApiHarness({ apiKeys: [KEY] });
    await api.createJob({}, KEY);
    const response = await api.call({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    for (const expected of [
      'audiobatch_jobs_total{type="speech_to_speech",status="queued"} 1',
      // A queued job waits with its fair-share priority: in BullMQ's `prioritized` state.
      'audiobatch_queue_jobs{class="speech",state="prioritized"} 1',
      'audiobatch_queue_jobs{class="speech",state="waiting"} 0',
      'audiobatch_queue_paused{class="speech"} 0',
      'audiobatch_upstream_slots_in_use{class="speech"} 0',
      'audiobatch_workers_live{class="speech"} 0',
      '# TYPE audiobatch_upstream_request_duration_seconds histogram',
      '# TYPE audiobatch_upstream_429_total counter',
      'audiobatch_upstream_in_flight{class="speech"} 0',
      '# TYPE audiobatch_cache_lookups_total counter',
    ]) {
      expect(response.body).toContain(expected);
    }
  });

  it('counts every job entering queued: single intake, batch items and retries', async () => {
    api = await startApiHarness();
    const single = await api.createJob();
    const upload = await api.upload();
    const item = {
      type: 'speech_to_speech',
      params: { voice_id: 'v' },
      input: { upload_id: upload },
    };
    const batch = await api.call({
      method: 'POST',
      url: '/v1/batches',
      payload: { items: [item, { ...item, custom_id: 'second' }] },
    });
    expect(batch.statusCode).toBe(202);
    await api.finishJob(single.id, { status: 'failed', finished_at: new Date().toISOString() });
    const retry = await api.call({ method: 'POST', url: `/v1/jobs/${single.id}/retry` });
    expect(retry.statusCode).toBe(202);
    const response = await api.call({ method: 'GET', url: '/metrics' });
    expect(response.body).toContain(
      'audiobatch_jobs_total{type="speech_to_speech",status="queued"} 4',
    );
  });

  it('fails readiness when jobs wait and the live workers fetch nothing for too long', async () => {
    api = await startApiHarness();
    const stuckAfterMs = 30_000;
    const readiness = createReadiness(api.deps, { notConsumingAfterMs: stuckAfterMs });
    await api.createJob();
    // "For too long" is measured with Date.now() across probes. Only Date is faked, and only
    // from here (Redis, sockets and timers stay real): the test sets the time each probe sees
    // instead of sleeping and hoping a loaded machine kept the probes inside the window.
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    expect((await readiness()).checks.workers.speech).toMatchObject({
      status: 'fail',
      problem: 'no_workers',
    });

    // A worker that is alive (heartbeat) but idle, and last fetched long ago: stuck.
    const beat = (lastFetch: number) =>
      writeHeartbeat(api.deps.redis, api.deps.keys, 'speech', 'w1', {
        pid: 1,
        seen_at: Date.now(),
        last_fetch_at: lastFetch,
        active: 0,
        concurrency: 10,
      });
    const longAgo = start - 10 * stuckAfterMs;
    await beat(longAgo);
    vi.setSystemTime(start + stuckAfterMs - 1);
    await beat(longAgo);
    expect((await readiness()).checks.workers.speech.status).toBe('ok'); // not for long yet
    vi.setSystemTime(start + stuckAfterMs);
    await beat(longAgo);
    const stuck = await readiness();
    expect(stuck.status).toBe('unavailable');
    expect(stuck.checks.workers.speech).toMatchObject({ problem: 'not_consuming', workers: 1 });

    await beat(Date.now());
    expect((await readiness()).checks.workers.speech).toMatchObject({
      status: 'ok',
      problem: null,
    });
  });
});
