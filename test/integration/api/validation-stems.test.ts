import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../../src/shared/ids.ts';
import { multipartBody, startApiHarness, type ApiHarness } from './api-harness.ts';
import { testAudio } from '../../support/audio-bytes.ts';

/**
 * stem_separation intake: every bad field is refused with 422 naming it, and nothing is left
 * behind (no job record, nothing in either class queue, no stored object).
 */

type Request = Record<string, unknown> & { params: Record<string, unknown> };

const cases: { name: string; mutate: (r: Request) => unknown; fields: string[] }[] = [
  {
    name: 'stem_variation_id unknown',
    mutate: (r) => ((r.params.stem_variation_id = 'four_stems_v1'), r),
    fields: ['params.stem_variation_id'],
  },
  {
    name: 'stem_variation_id not a string',
    mutate: (r) => ((r.params.stem_variation_id = 6), r),
    fields: ['params.stem_variation_id'],
  },
  {
    name: 'output_format wav (not offered by this endpoint)',
    mutate: (r) => ((r.params.output_format = 'wav_44100'), r),
    fields: ['params.output_format'],
  },
  {
    name: 'output_format unknown',
    mutate: (r) => ((r.params.output_format = 'mp3_1_1'), r),
    fields: ['params.output_format'],
  },
  {
    name: 'sign_with_c2pa not a boolean',
    mutate: (r) => ((r.params.sign_with_c2pa = 'yes'), r),
    fields: ['params.sign_with_c2pa'],
  },
  {
    name: 'seed (the endpoint takes none)',
    mutate: (r) => ((r.params.seed = 1), r),
    fields: ['params.seed'],
  },
  {
    name: 'a field of another job type',
    mutate: (r) => ((r.params.voice_id = 'JBFqnCBsd6RMkjVDRZzb'), r),
    fields: ['params.voice_id'],
  },
  { name: 'params not an object', mutate: (r) => ({ ...r, params: 'six' }), fields: ['params'] },
  {
    name: 'options with a variant flag',
    mutate: (r) => ({ ...r, options: { stream: true } }),
    fields: ['options.stream'],
  },
  { name: 'options not an object', mutate: (r) => ({ ...r, options: [] }), fields: ['options'] },
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
    name: 'input.url loopback',
    mutate: (r) => ({ ...r, input: { url: 'https://127.0.0.1/song.wav' } }),
    fields: ['input.url'],
  },
  { name: 'unknown top-level field', mutate: (r) => ({ ...r, seed: 3 }), fields: ['seed'] },
];

describe('POST /v1/jobs validation: stem_separation', () => {
  let api: ApiHarness;
  let uploadId: string;

  beforeAll(async () => {
    api = await startApiHarness();
    uploadId = await api.upload();
  });
  afterAll(async () => {
    await api.close();
  });

  const validRequest = (): Request => ({
    type: 'stem_separation',
    params: {},
    input: { upload_id: uploadId },
  });

  async function snapshot() {
    const page = await api.deps.jobs.list({ owner: 'local', limit: 100 });
    return {
      jobs: page.records.length,
      speech: await api.queues.speech.getJobCounts(),
      music: await api.queues.music.getJobCounts(),
      objects: await api.storedKeys(),
    };
  }

  function fieldsOf(body: string): string[] {
    return (JSON.parse(body) as { error: { details: { field: string }[] } }).error.details.map(
      (detail) => detail.field,
    );
  }

  it('accepts the minimal request, filling the upstream defaults and no seed (control case)', async () => {
    const before = await api.queues.music.getJobCounts();
    const response = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: { type: 'stem_separation', input: { upload_id: uploadId } },
    });
    expect(response.statusCode).toBe(202);
    const job = response.json<{ seed: number | null; request: Request & { options: object } }>();
    expect(job.seed).toBeNull();
    expect(job.request.params).toEqual({
      stem_variation_id: 'six_stems_v1',
      sign_with_c2pa: false,
      output_format: 'mp3_44100_128',
    });
    expect(job.request.options).toEqual({});
    const after = await api.queues.music.getJobCounts();
    expect((after.waiting ?? 0) + (after.prioritized ?? 0)).toBe(
      (before.waiting ?? 0) + (before.prioritized ?? 0) + 1,
    );
  });

  it.each(cases)('$name → 422 naming $fields', async ({ mutate, fields }) => {
    const before = await snapshot();
    const response = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: JSON.stringify(mutate(validRequest())),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(422);
    expect(fieldsOf(response.body)).toEqual(fields);
    expect(await snapshot()).toEqual(before);
  });

  it('lists every problem of a request with several', async () => {
    const before = await snapshot();
    const response = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: {
        type: 'stem_separation',
        params: { stem_variation_id: 'x', output_format: 'wav_8000', sign_with_c2pa: 1 },
        options: { detailed: true },
      },
    });
    expect(response.statusCode).toBe(422);
    expect(fieldsOf(response.body).sort()).toEqual(
      [
        'params.stem_variation_id',
        'params.output_format',
        'params.sign_with_c2pa',
        'options.detailed',
        'input',
      ].sort(),
    );
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a bad one-shot form and discards its audio part', async () => {
    const before = await snapshot();
    const form = await multipartBody({
      request: JSON.stringify({ type: 'stem_separation', params: { stem_variation_id: 'x' } }),
      audio: { data: testAudio(512, 3), type: 'audio/wav', filename: 'song.wav' },
    });
    const response = await api.call({ method: 'POST', url: '/v1/jobs', ...form });
    expect(response.statusCode).toBe(422);
    expect(fieldsOf(response.body)).toEqual(['params.stem_variation_id']);
    expect(await snapshot()).toEqual(before);
  });

  it('accepts a good one-shot form: the audio part becomes the input', async () => {
    const form = await multipartBody({
      request: JSON.stringify({ type: 'stem_separation', params: { output_format: 'pcm_16000' } }),
      audio: { data: testAudio(512, 3), type: 'audio/wav', filename: 'song.wav' },
    });
    const response = await api.call({ method: 'POST', url: '/v1/jobs', ...form });
    expect(response.statusCode).toBe(202);
    const job = response.json<{ type: string; request: { input: { upload_id: string } } }>();
    expect(job.type).toBe('stem_separation');
    expect(job.request.input.upload_id).toMatch(/^upl_/);
  });
});
