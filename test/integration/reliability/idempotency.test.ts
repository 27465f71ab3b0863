import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requestDigest } from '../../../src/api/services/idempotency.ts';
import type { JobView } from '../../../src/shared/jobs/job-record.ts';
import { multipartBody, startApiHarness, type ApiHarness } from '../api/api-harness.ts';
import { testAudio } from '../../support/audio-bytes.ts';

const KEY_A = 'key-a-0123456789';
const KEY_B = 'key-b-0123456789';

describe('Idempotency-Key on POST /v1/jobs', () => {
  let api: ApiHarness;
  let upload: string;

  const post = (body: object, idempotencyKey?: string, key = KEY_A) =>
    api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: body,
      key,
      headers: idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey },
    });
  const request = (seed: number) => ({
    type: 'speech_to_speech',
    params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb', seed },
    input: { upload_id: upload },
  });
  const jobCount = async (key = KEY_A) => {
    const response = await api.call({ method: 'GET', url: '/v1/jobs?limit=100', key });
    return response.json<{ data: unknown[] }>().data.length;
  };

  beforeEach(async () => {
    api = await startApiHarness({ apiKeys: [KEY_A, KEY_B] });
    upload = await api.upload(undefined, KEY_A);
  });
  afterEach(async () => {
    await api.close();
  });

  it('returns the original job for the same key and body, and says it is a replay', async () => {
    const first = await post(request(1), 'k-1');
    expect(first.statusCode).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // The same request with its fields in another order is the same request.
    const { input, params, type } = request(1);
    const again = await post({ input, params, type }, 'k-1');
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json<JobView>().id).toBe(first.json<JobView>().id);
    expect(await jobCount()).toBe(1);
    expect((await api.queueCounts()).waiting).toBe(1);
  });

  it('refuses the same key with another body (409), creating nothing', async () => {
    await post(request(1), 'k-2');
    const other = await post(request(2), 'k-2');
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ error: { code: 'idempotency_key_reused' } });
    expect(await jobCount()).toBe(1);
  });

  it('creates one job for concurrent duplicates', async () => {
    const responses = await Promise.all(Array.from({ length: 8 }, () => post(request(3), 'k-3')));
    expect(responses.map((r) => r.statusCode)).toEqual(responses.map(() => 202));
    expect(new Set(responses.map((r) => r.json<JobView>().id)).size).toBe(1);
    expect(await jobCount()).toBe(1);
  });

  it('scopes keys to the API key: another key may use the same Idempotency-Key', async () => {
    const uploadB = await api.upload(undefined, KEY_B);
    const a = await post(request(4), 'shared');
    const b = await post({ ...request(4), input: { upload_id: uploadB } }, 'shared', KEY_B);
    expect(b.statusCode).toBe(202);
    expect(b.json<JobView>().id).not.toBe(a.json<JobView>().id);
  });

  it('remembers only creations: a refused request leaves the key free', async () => {
    const refused = await post({ ...request(5), params: { voice_id: 'x', seed: -1 } }, 'k-5');
    expect(refused.statusCode).toBe(422);
    const created = await post(request(5), 'k-5');
    expect(created.statusCode).toBe(202);
    expect(created.headers['idempotent-replayed']).toBeUndefined();
  });

  it('keeps the key at least 24 hours', async () => {
    await post(request(6), 'k-6');
    const [redisKey] = await api.deps.redis.keys(`${api.prefix}:idem:*`);
    expect(await api.deps.redis.ttl(redisKey!)).toBeGreaterThan(24 * 3600 - 60);
  });

  it('without a key, every request is a new job', async () => {
    await post(request(7));
    await post(request(7));
    expect(await jobCount()).toBe(2);
  });

  it('refuses a malformed key', async () => {
    const response = await post(request(8), 'has spaces');
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      error: { details: [{ field: 'idempotency-key' }] },
    });
    expect(await jobCount()).toBe(0);
  });

  it('replays a one-shot form by its audio bytes, discarding the second copy', async () => {
    const send = async () => {
      const { payload, headers } = await multipartBody({
        request: JSON.stringify({ type: 'speech_to_speech', params: { voice_id: 'abc', seed: 9 } }),
        audio: { data: testAudio(500, 3), type: 'audio/wav' },
      });
      return api.call({
        method: 'POST',
        url: '/v1/jobs',
        key: KEY_A,
        payload,
        headers: { ...headers, 'idempotency-key': 'form-1' },
      });
    };
    const before = (await api.storedKeys()).length;
    const first = await send();
    const second = await send();
    expect(second.statusCode).toBe(202);
    expect(second.json<JobView>().id).toBe(first.json<JobView>().id);
    expect((await api.storedKeys()).length).toBe(before + 1);
  });
});

describe('requestDigest', () => {
  it('ignores key order and undefined fields, but not values', () => {
    expect(requestDigest({ a: 1, b: { c: [1, 2], d: undefined } })).toBe(
      requestDigest({ b: { c: [1, 2] }, a: 1 }),
    );
    expect(requestDigest({ a: 1 })).not.toBe(requestDigest({ a: 2 }));
    expect(requestDigest({ a: [1, 2] })).not.toBe(requestDigest({ a: [2, 1] }));
  });
});
