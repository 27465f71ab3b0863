import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../../src/shared/jobs/job-record.ts';
import { multipartBody, startApiHarness, type ApiHarness } from './api-harness.ts';
import { testAudio } from '../../support/audio-bytes.ts';

type ErrorBody = { error: { code: string; details: { field: string }[] } };

describe('POST /v1/jobs and GET /v1/jobs/{id}', () => {
  let api: ApiHarness;
  let uploadId: string;
  const audio = testAudio(2048, 3);

  beforeAll(async () => {
    api = await startApiHarness();
    uploadId = await api.upload(audio);
  });
  afterAll(async () => {
    await api.close();
  });

  const request = (params: Record<string, unknown> = {}) => ({
    type: 'speech_to_speech',
    params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb', ...params },
    input: { upload_id: uploadId },
  });

  it('creates a queued job with a seed, a fingerprint and a BullMQ entry under the same id', async () => {
    const response = await api.call({ method: 'POST', url: '/v1/jobs', payload: request() });
    expect(response.statusCode).toBe(202);
    const job = response.json<JobView>();
    expect(job).toMatchObject({
      object: 'job',
      type: 'speech_to_speech',
      status: 'queued',
      attempts: 0,
      batch_id: null,
      custom_id: null,
      metadata: {},
      outputs: [],
      upstream: null,
      error: null,
      cache: null,
    });
    expect(job.id).toMatch(/^job_[0-9a-z]{26}$/);
    expect(job.seed).toEqual(expect.any(Number));
    expect(job.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The normalized request: upstream defaults filled in, the seed inside params.
    expect(job.request).toMatchObject({
      params: { seed: job.seed, model_id: 'eleven_english_sts_v2', output_format: 'mp3_44100_128' },
      options: { stream: false },
      cache: 'use',
    });
    for (const hidden of ['owner', 'input', 'cancel_requested'])
      expect(job).not.toHaveProperty(hidden);
    const queued = await api.queues.speech.getJob(job.id);
    // The item's BullMQ id is the record's: its data repeats nothing (queues.ts recordIdOf).
    expect(queued?.id).toBe(job.id);
    expect(queued?.data).toEqual({});
    // Named for the queue board: type · tenant (`local` with auth off).
    expect(queued?.name).toBe('speech_to_speech · local');
    expect((await api.deps.jobs.get(job.id))?.input).toEqual({
      key: `uploads/${uploadId}`,
      url: null,
      sha256: createHash('sha256').update(audio).digest('hex'),
      bytes: audio.length,
      content_type: 'audio/wav',
    });
  });

  it('keeps a given seed, so the same request gives the same fingerprint', async () => {
    const create = async (seed: number) =>
      (
        await api.call({ method: 'POST', url: '/v1/jobs', payload: request({ seed }) })
      ).json<JobView>();
    const [a, b, c] = [await create(42), await create(42), await create(43)];
    expect(a.seed).toBe(42);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it('leaves the fingerprint of a URL input to the worker', async () => {
    const response = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: {
        ...request(),
        input: { url: 'https://example.com/in.wav' },
        custom_id: 'scene-1/line-2',
        metadata: { p: 'x' },
      },
    });
    expect(response.statusCode).toBe(202);
    const job = response.json<JobView>();
    expect(job).toMatchObject({
      fingerprint: null,
      custom_id: 'scene-1/line-2',
      metadata: { p: 'x' },
    });
    expect((await api.deps.jobs.get(job.id))?.input).toMatchObject({
      url: 'https://example.com/in.wav',
      key: null,
    });
  });

  it('gets a job by id; unknown and malformed ids are 404', async () => {
    const job = await api.createJob();
    const response = await api.call({ method: 'GET', url: `/v1/jobs/${job.id}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(job);
    for (const id of ['job_01jabcdefghjkmnpqrstvwxyz0', 'nope', '..%2F..%2Fetc']) {
      const missing = await api.call({ method: 'GET', url: `/v1/jobs/${id}` });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  describe('one-shot multipart', () => {
    it('stores the audio as an upload of the caller and creates the job on it', async () => {
      const form = await multipartBody({
        request: JSON.stringify({ type: 'speech_to_speech', params: { voice_id: 'abc', seed: 7 } }),
        audio: { data: testAudio(1000, 9), type: 'audio/wav', filename: 'line.wav' },
      });
      const response = await api.call({ method: 'POST', url: '/v1/jobs', ...form });
      expect(response.statusCode).toBe(202);
      const job = response.json<JobView>();
      const input = ('input' in job.request ? job.request.input : {}) as { upload_id: string };
      const upload = await api.deps.uploads.getOwned(input.upload_id, 'local');
      expect(upload).toMatchObject({ bytes: 1000, content_type: 'audio/wav' });
      expect(job.fingerprint).toMatch(/^sha256:/);
      expect(await api.queues.speech.getJob(job.id)).toBeTruthy();
    });

    it('takes the request part as a JSON file part, before or after the audio', async () => {
      const form = await multipartBody({
        audio: { data: testAudio(64, 1), type: 'audio/wav' },
        request: {
          data: JSON.stringify({ type: 'speech_to_speech', params: { voice_id: 'abc' } }),
          type: 'application/json',
          filename: 'request.json',
        },
      });
      const response = await api.call({ method: 'POST', url: '/v1/jobs', ...form });
      expect(response.statusCode).toBe(202);
    });

    it.each([
      [
        'an input in the request',
        {
          type: 'speech_to_speech',
          params: { voice_id: 'abc' },
          input: { url: 'https://example.com/a' },
        },
        ['input'],
      ],
      [
        'an invalid request',
        { type: 'speech_to_speech', params: { voice_id: 'a b', seed: -1 } },
        ['params.voice_id', 'params.seed'],
      ],
      ['a request that is not an object', [1, 2], ['request']],
    ])('refuses %s and leaves no audio behind', async (_name, body, fields) => {
      const before = { objects: await api.storedKeys(), queue: await api.queueCounts() };
      const form = await multipartBody({
        audio: { data: testAudio(500, 2), type: 'audio/wav' },
        request: JSON.stringify(body),
      });
      const response = await api.call({ method: 'POST', url: '/v1/jobs', ...form });
      expect(response.statusCode).toBe(422);
      expect(response.json<ErrorBody>().error.details.map((d) => d.field)).toEqual(fields);
      expect({ objects: await api.storedKeys(), queue: await api.queueCounts() }).toEqual(before);
    });

    it.each([
      [
        'no audio part',
        { request: JSON.stringify({ type: 'speech_to_speech', params: { voice_id: 'a' } }) },
        'audio',
      ],
      ['no request part', { audio: { data: testAudio(64, 1) } }, 'request'],
      [
        'a stray part',
        { audio: { data: testAudio(64, 1) }, request: '{}', file: { data: 'x' } },
        'file',
      ],
      [
        'a request part that is not JSON',
        { audio: { data: testAudio(64, 1) }, request: '{nope' },
        'request',
      ],
    ])('refuses a form with %s, leaving nothing', async (_name, parts, field) => {
      const before = await api.storedKeys();
      const response = await api.call({
        method: 'POST',
        url: '/v1/jobs',
        ...(await multipartBody(parts)),
      });
      expect(response.statusCode).toBe(422);
      expect(response.json<ErrorBody>().error.details.map((d) => d.field)).toContain(field);
      expect(await api.storedKeys()).toEqual(before);
    });

    it.each([false, true])(
      'refuses a request part over 1 MiB with 413, leaving nothing (as file: %s)',
      async (asFile) => {
        const before = await api.storedKeys();
        const huge = JSON.stringify({
          type: 'speech_to_speech',
          params: { voice_id: 'a' },
          custom_id: 'x'.repeat(1024 * 1024),
        });
        const form = await multipartBody({
          audio: { data: testAudio(64, 1) },
          request: asFile ? { data: huge, type: 'application/json', filename: 'r.json' } : huge,
        });
        const response = await api.call({ method: 'POST', url: '/v1/jobs', ...form });
        expect(response.statusCode).toBe(413);
        expect(response.json()).toMatchObject({
          error: { code: 'payload_too_large', details: [{ field: 'request' }] },
        });
        expect(await api.storedKeys()).toEqual(before);
      },
    );

    it('refuses audio over MAX_UPLOAD_BYTES with 413, leaving nothing', async () => {
      const before = await api.storedKeys();
      const form = await multipartBody({
        request: JSON.stringify({ type: 'speech_to_speech', params: { voice_id: 'abc' } }),
        audio: { data: testAudio(api.deps.config.MAX_UPLOAD_BYTES + 1, 1) },
      });
      const response = await api.call({ method: 'POST', url: '/v1/jobs', ...form });
      expect(response.statusCode).toBe(413);
      expect(await api.storedKeys()).toEqual(before);
    });
  });
});
