import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerOfKey } from '../../../src/api/auth.ts';
import type { JobView } from '../../../src/shared/jobs/job-record.ts';
import { startApiHarness, type ApiHarness, type Call } from './api-harness.ts';
import { testAudio } from '../../support/audio-bytes.ts';

/** Promise 7: every v1 route needs a key; a key sees only its own uploads, jobs and outputs. */

const KEY_A = 'key-a-0123456789abcdef-secret';
const KEY_B = 'key-b-fedcba9876543210-secret';
const UNKNOWN_JOB = 'job_01jabcdefghjkmnpqrstvwxyz0';

const v1Routes: Call[] = [
  {
    method: 'POST',
    url: '/v1/uploads',
    payload: Buffer.from('abc'),
    headers: { 'content-type': 'audio/wav' },
  },
  { method: 'POST', url: '/v1/jobs', payload: { type: 'speech_to_speech' } },
  { method: 'GET', url: '/v1/jobs' },
  { method: 'GET', url: `/v1/jobs/${UNKNOWN_JOB}` },
  { method: 'GET', url: `/v1/jobs/${UNKNOWN_JOB}/outputs/audio` },
  { method: 'POST', url: `/v1/jobs/${UNKNOWN_JOB}/cancel` },
  { method: 'POST', url: `/v1/jobs/${UNKNOWN_JOB}/retry` },
  { method: 'GET', url: '/v1/not-a-route' },
  { method: 'GET', url: '/docs/../v1/jobs' },
];

describe('auth with API_KEYS set', () => {
  let api: ApiHarness;
  let jobA: JobView;
  let uploadA: string;

  beforeAll(async () => {
    api = await startApiHarness({ apiKeys: [KEY_A, KEY_B] });
    const upload = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      key: KEY_A,
      payload: testAudio(64, 1),
    });
    uploadA = upload.json<{ id: string }>().id;
    const created = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      key: KEY_A,
      payload: {
        type: 'speech_to_speech',
        params: { voice_id: 'abc' },
        input: { upload_id: uploadA },
      },
    });
    jobA = created.json<JobView>();
    const key = `jobs/${jobA.id}/audio.mp3`;
    const stored = await api.deps.storage.put(key, Buffer.from('mp3'));
    await api.finishJob(jobA.id, {
      status: 'failed',
      outputs: [
        {
          name: 'audio',
          content_type: 'audio/mpeg',
          bytes: 3,
          sha256: stored.sha256,
          duration_ms: null,
          key,
        },
      ],
    });
  });
  afterAll(async () => {
    await api.close();
  });

  it.each(v1Routes)('$method $url: 401 without a key and with a wrong one', async (route) => {
    for (const key of [undefined, 'wrong-key', `${KEY_A}x`, KEY_A.slice(0, -1)]) {
      const response = await api.call({ ...route, ...(key !== undefined && { key }) });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({
        error: { code: 'unauthorized', details: [], request_id: expect.any(String) as unknown },
      });
    }
    for (const authorization of [KEY_A, `Basic ${KEY_A}`, `Bearer`, `Bearer ${KEY_A} extra`]) {
      const response = await api.call({ ...route, headers: { ...route.headers, authorization } });
      expect(response.statusCode).toBe(401);
    }
  });

  it.each(['/healthz', '/readyz', '/openapi.json', '/docs/'])(
    '%s is open without a key',
    async (url) => {
      const response = await api.call({ method: 'GET', url });
      expect([200, 503]).toContain(response.statusCode);
    },
  );

  it('records the owner as a digest of the key, never the key', async () => {
    const record = await api.deps.jobs.get(jobA.id);
    expect(record?.owner).toBe(ownerOfKey(KEY_A));
    expect(record?.owner).toMatch(/^key_[0-9a-f]{16}$/);
    expect(JSON.stringify(record)).not.toContain(KEY_A);
  });

  it("gives key B 404 for key A's job, outputs, cancel and retry, and an empty list", async () => {
    for (const call of [
      { method: 'GET', url: `/v1/jobs/${jobA.id}` },
      { method: 'GET', url: `/v1/jobs/${jobA.id}?wait=1` },
      { method: 'GET', url: `/v1/jobs/${jobA.id}/outputs/audio` },
      { method: 'POST', url: `/v1/jobs/${jobA.id}/cancel` },
      { method: 'POST', url: `/v1/jobs/${jobA.id}/retry` },
    ] as const) {
      const response = await api.call({ ...call, key: KEY_B });
      expect(response.statusCode, `${call.method} ${call.url}`).toBe(404);
      expect(response.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    const list = await api.call({ method: 'GET', url: '/v1/jobs', key: KEY_B });
    expect(list.json()).toEqual({ object: 'list', data: [], next_cursor: null });
    // Key A still sees (and can act on) its own.
    expect(
      (await api.call({ method: 'GET', url: `/v1/jobs/${jobA.id}`, key: KEY_A })).statusCode,
    ).toBe(200);
    expect(
      (await api.call({ method: 'GET', url: `/v1/jobs/${jobA.id}/outputs/audio`, key: KEY_A }))
        .body,
    ).toBe('mp3');
  });

  it("refuses key A's upload as key B's input, as not found", async () => {
    const response = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      key: KEY_B,
      payload: {
        type: 'speech_to_speech',
        params: { voice_id: 'abc' },
        input: { upload_id: uploadA },
      },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      error: { details: [{ field: 'input.upload_id', message: 'upload not found' }] },
    });
  });

  it('never logs a key', () => {
    const logs = api.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const key of [KEY_A, KEY_B]) expect(logs).not.toContain(key);
  });
});

describe('auth off (no API_KEYS)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api.close();
  });

  it('ignores Authorization headers: every request is the local owner', async () => {
    const upload = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      key: 'anything',
      payload: testAudio(64, 1),
    });
    expect(upload.statusCode).toBe(201);
    const { id } = upload.json<{ id: string }>();
    const created = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      headers: { authorization: 'Bearer something-else' },
      payload: { type: 'speech_to_speech', params: { voice_id: 'abc' }, input: { upload_id: id } },
    });
    expect(created.statusCode).toBe(202);
    const job = created.json<JobView>();
    expect((await api.deps.jobs.get(job.id))?.owner).toBe('local');
    expect((await api.call({ method: 'GET', url: `/v1/jobs/${job.id}` })).statusCode).toBe(200);
  });
});
