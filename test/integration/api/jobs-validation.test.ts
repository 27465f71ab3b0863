import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../src/shared/ids.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';
import { testAudio } from '../../support/audio-bytes.ts';

/**
 * Promise 6: bad input is refused with every problem named, and leaves nothing behind — no
 * job record, no queue entry, no stored object.
 */

type Request = Record<string, unknown> & { params: Record<string, unknown> };

interface Case {
  name: string;
  mutate?: (request: Request, ctx: { foreignUploadId: string }) => unknown;
  /** A raw body instead of JSON. */
  raw?: { payload: string; contentType: string };
  status?: number;
  fields: string[];
}

const cases: Case[] = [
  { name: 'unknown type', mutate: (r) => ({ ...r, type: 'text_to_speech' }), fields: ['type'] },
  { name: 'missing type', mutate: ({ type: _t, ...r }) => r, fields: ['type'] },
  {
    name: 'voice_id with spaces',
    mutate: (r) => ((r.params.voice_id = 'bad id'), r),
    fields: ['params.voice_id'],
  },
  {
    name: 'voice_id missing',
    mutate: (r) => (delete r.params.voice_id, r),
    fields: ['params.voice_id'],
  },
  {
    name: 'model_id malformed',
    mutate: (r) => ((r.params.model_id = 'eleven v3'), r),
    fields: ['params.model_id'],
  },
  {
    name: 'stability out of range',
    mutate: (r) => ((r.params.voice_settings = { stability: 1.5 }), r),
    fields: ['params.voice_settings.stability'],
  },
  {
    name: 'unknown voice_settings key',
    mutate: (r) => ((r.params.voice_settings = { stability: 0.5, loudness: 1 }), r),
    fields: ['params.voice_settings.loudness'],
  },
  {
    name: 'webhook while no signing secret is configured',
    mutate: (r) => ({ ...r, webhook: { url: 'https://example.com/hooks/audio' } }),
    fields: ['webhook.url'],
  },
  { name: 'seed negative', mutate: (r) => ((r.params.seed = -1), r), fields: ['params.seed'] },
  {
    name: 'seed over uint32',
    mutate: (r) => ((r.params.seed = 4_294_967_296), r),
    fields: ['params.seed'],
  },
  {
    name: 'seed not an integer',
    mutate: (r) => ((r.params.seed = 1.5), r),
    fields: ['params.seed'],
  },
  { name: 'seed as a string', mutate: (r) => ((r.params.seed = '42'), r), fields: ['params.seed'] },
  {
    name: 'output_format unknown',
    mutate: (r) => ((r.params.output_format = 'mp3_1_1'), r),
    fields: ['params.output_format'],
  },
  {
    name: 'wav with stream',
    mutate: (r) => ((r.params.output_format = 'wav_44100'), { ...r, options: { stream: true } }),
    fields: ['params.output_format'],
  },
  {
    name: 'optimize_streaming_latency 5',
    mutate: (r) => ((r.params.optimize_streaming_latency = 5), r),
    fields: ['params.optimize_streaming_latency'],
  },
  {
    name: 'file_format unknown',
    mutate: (r) => ((r.params.file_format = 'wav'), r),
    fields: ['params.file_format'],
  },
  {
    name: 'unknown params field',
    mutate: (r) => ((r.params.text = 'hi'), r),
    fields: ['params.text'],
  },
  {
    name: 'options.stream not boolean',
    mutate: (r) => ({ ...r, options: { stream: 'yes' } }),
    fields: ['options.stream'],
  },
  { name: 'input missing', mutate: ({ input: _i, ...r }) => r, fields: ['input'] },
  {
    name: 'input with upload_id and url',
    mutate: (r) => ({ ...r, input: { upload_id: newId('upl'), url: 'https://example.com/a.wav' } }),
    fields: ['input'],
  },
  {
    name: 'input.upload_id unknown',
    mutate: (r) => ({ ...r, input: { upload_id: newId('upl') } }),
    fields: ['input.upload_id'],
  },
  {
    name: 'input.upload_id of another key',
    mutate: (r, { foreignUploadId }) => ({ ...r, input: { upload_id: foreignUploadId } }),
    fields: ['input.upload_id'],
  },
  {
    name: 'input.upload_id malformed',
    mutate: (r) => ({ ...r, input: { upload_id: '../etc' } }),
    fields: ['input.upload_id'],
  },
  {
    name: 'input.url http:',
    mutate: (r) => ({ ...r, input: { url: 'http://example.com/a.wav' } }),
    fields: ['input.url'],
  },
  {
    name: 'input.url loopback',
    mutate: (r) => ({ ...r, input: { url: 'https://127.0.0.1/a.wav' } }),
    fields: ['input.url'],
  },
  {
    name: 'input.url localhost',
    mutate: (r) => ({ ...r, input: { url: 'https://localhost/a.wav' } }),
    fields: ['input.url'],
  },
  {
    name: 'input.url IPv6 loopback',
    mutate: (r) => ({ ...r, input: { url: 'https://[::1]/a.wav' } }),
    fields: ['input.url'],
  },
  {
    name: 'input.url cloud metadata',
    mutate: (r) => ({ ...r, input: { url: 'https://169.254.169.254/latest' } }),
    fields: ['input.url'],
  },
  {
    name: 'input.url file:',
    mutate: (r) => ({ ...r, input: { url: 'file:///etc/passwd' } }),
    fields: ['input.url'],
  },
  { name: 'unknown top-level field', mutate: (r) => ({ ...r, priority: 1 }), fields: ['priority'] },
  {
    name: 'custom_id path trick',
    mutate: (r) => ({ ...r, custom_id: '../x' }),
    fields: ['custom_id'],
  },
  {
    name: 'custom_id absolute',
    mutate: (r) => ({ ...r, custom_id: '/etc/x' }),
    fields: ['custom_id'],
  },
  {
    name: 'metadata with too many keys',
    mutate: (r) => ({
      ...r,
      metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])),
    }),
    fields: ['metadata'],
  },
  {
    name: 'metadata value too long',
    mutate: (r) => ({ ...r, metadata: { note: 'x'.repeat(1001) } }),
    fields: ['metadata.note'],
  },
  {
    name: 'metadata nested object',
    mutate: (r) => ({ ...r, metadata: { a: { b: 1 } } }),
    fields: ['metadata.a'],
  },
  { name: 'cache mode unknown', mutate: (r) => ({ ...r, cache: 'sometimes' }), fields: ['cache'] },
  { name: 'body is an array', mutate: (r) => [r], fields: ['body'] },
  {
    name: 'huge voice_id',
    mutate: (r) => ((r.params.voice_id = 'a'.repeat(100_000)), r),
    fields: ['params.voice_id'],
  },
  {
    name: 'deeply nested metadata',
    raw: {
      contentType: 'application/json',
      payload: `{"type":"speech_to_speech","params":{"voice_id":"a"},"input":{"url":"https://example.com/a"},"metadata":{"deep":${'['.repeat(50_000)}${']'.repeat(50_000)}}}`,
    },
    status: 422,
    fields: ['metadata.deep'],
  },
  {
    name: 'null body',
    raw: { payload: 'null', contentType: 'application/json' },
    fields: ['body'],
  },
  {
    name: 'invalid JSON',
    raw: { payload: '{"type": "speech_to_speech",', contentType: 'application/json' },
    status: 400,
    fields: ['body'],
  },
  {
    name: 'empty JSON body',
    raw: { payload: '', contentType: 'application/json' },
    status: 400,
    fields: ['body'],
  },
  {
    name: 'prototype pollution',
    raw: { payload: '{"__proto__": {"x": 1}}', contentType: 'application/json' },
    status: 400,
    fields: ['body'],
  },
  {
    name: 'wrong content type',
    raw: { payload: 'type=speech_to_speech', contentType: 'text/plain' },
    status: 415,
    fields: ['content-type'],
  },
  {
    name: 'form-urlencoded',
    raw: { payload: 'type=speech_to_speech', contentType: 'application/x-www-form-urlencoded' },
    status: 415,
    fields: ['content-type'],
  },
];

describe('POST /v1/jobs validation', () => {
  let api: ApiHarness;
  let uploadId: string;
  const foreignUploadId = newId('upl');

  beforeAll(async () => {
    api = await startApiHarness();
    const upload = await api.call({
      method: 'POST',
      url: '/v1/uploads',
      payload: testAudio(100, 1),
      headers: { 'content-type': 'audio/wav' },
    });
    uploadId = upload.json<{ id: string }>().id;
    await api.deps.uploads.create({
      id: foreignUploadId,
      owner: 'key_0123456789abcdef',
      key: `uploads/${foreignUploadId}`,
      bytes: 1,
      sha256: '0'.repeat(64),
      content_type: 'audio/wav',
      created_at: new Date().toISOString(),
    });
  });
  afterAll(async () => {
    await api.close();
  });

  const validRequest = (): Request => ({
    type: 'speech_to_speech',
    params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb' },
    input: { upload_id: uploadId },
  });

  async function snapshot() {
    const page = await api.deps.jobs.list({ owner: 'local', limit: 100 });
    return {
      jobs: page.records.length,
      queue: await api.queueCounts(),
      objects: await api.storedKeys(),
    };
  }

  it('accepts the valid base request (control case)', async () => {
    const response = await api.call({ method: 'POST', url: '/v1/jobs', payload: validRequest() });
    expect(response.statusCode).toBe(202);
  });

  it.each(cases)('$name → 4xx naming $fields', async ({ mutate, raw, status = 422, fields }) => {
    const before = await snapshot();
    const response = raw
      ? await api.call({
          method: 'POST',
          url: '/v1/jobs',
          payload: raw.payload,
          headers: { 'content-type': raw.contentType },
        })
      : await api.call({
          method: 'POST',
          url: '/v1/jobs',
          payload: JSON.stringify(mutate!(validRequest(), { foreignUploadId })),
          headers: { 'content-type': 'application/json' },
        });
    expect(response.statusCode).toBe(status);
    const { error } = response.json<{
      error: { code: string; details: { field: string; message: string }[]; request_id: string };
    }>();
    expect(error.request_id).toBe(response.headers['x-request-id']);
    expect(error.details.map((detail) => detail.field)).toEqual(fields);
    for (const detail of error.details) expect(detail.message).not.toBe('');
    if (status === 422) expect(error.code).toBe('validation_failed');
    expect(await snapshot()).toEqual(before);
  });

  it('lists every problem of a request with several', async () => {
    const before = await snapshot();
    const response = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: {
        type: 'speech_to_speech',
        params: {
          voice_id: 'bad id',
          seed: -1,
          voice_settings: { stability: 2, loudness: 1 },
          output_format: 'wav_44100',
        },
        options: { stream: true },
        input: { upload_id: uploadId, url: 'https://example.com/a.wav' },
        custom_id: '../x',
        extra: true,
      },
    });
    expect(response.statusCode).toBe(422);
    const fields = response
      .json<{ error: { details: { field: string }[] } }>()
      .error.details.map((d) => d.field);
    expect(fields.sort()).toEqual(
      [
        'params.voice_id',
        'params.seed',
        'params.voice_settings.stability',
        'params.voice_settings.loudness',
        'params.output_format',
        'input',
        'custom_id',
        'extra',
      ].sort(),
    );
    expect(await snapshot()).toEqual(before);
  });

  it('lists both input problems a schema cannot see (unknown upload, refused URL) only once the schema passes', async () => {
    const response = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: { ...validRequest(), input: { url: 'https://10.0.0.1/a.wav' } },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      error: {
        code: 'validation_failed',
        details: [{ field: 'input.url', message: expect.stringContaining('private') as unknown }],
      },
    });
  });

  it('refuses a JSON body over 1 MiB with 413', async () => {
    const response = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: JSON.stringify({ ...validRequest(), custom_id: 'x'.repeat(1024 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({
      error: { code: 'payload_too_large', details: [{ field: 'body' }] },
    });
  });

  it('keeps serving after all of that', async () => {
    const response = await api.call({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
  });
});

describe('POST /v1/jobs webhook URLs (signing configured)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness({
      env: { WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwQ0WfdT0dXWY=' },
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  it.each([
    ['http:', 'http://example.com/hook'],
    ['a loopback address', 'https://127.0.0.1/hook'],
    ['a link-local (metadata) address', 'https://169.254.169.254/latest'],
  ])('refuses %s with 422 on webhook.url, queueing nothing', async (_what, url) => {
    const response = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: {
        type: 'music_plan',
        params: { prompt: 'a calm piano piece' },
        webhook: { url },
      },
    });
    expect(response.statusCode).toBe(422);
    const { error } = response.json<{ error: { details: { field: string }[] } }>();
    expect(error.details.map((detail) => detail.field)).toEqual(['webhook.url']);
    expect(
      (await api.call({ method: 'GET', url: '/v1/jobs' })).json<{ data: unknown[] }>().data,
    ).toEqual([]);
  });
});
