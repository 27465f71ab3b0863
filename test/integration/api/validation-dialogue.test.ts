import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

/**
 * text_to_dialogue intake: every rule of upstream.md and the seed pages refused with 422, the
 * field named, and nothing left behind (no job, no queue entry, no stored object).
 */

type Params = Record<string, unknown> & { inputs: Record<string, unknown>[] };
type Request = { type: string; params: Params; options?: Record<string, unknown> } & Record<
  string,
  unknown
>;

const voice = (n: number) => `voice${String(n).padStart(2, '0')}`;

const cases: { name: string; mutate: (r: Request) => unknown; fields: string[] }[] = [
  {
    name: 'inputs missing',
    mutate: (r) => (delete (r.params as Partial<Params>).inputs, r),
    fields: ['params.inputs'],
  },
  { name: 'inputs empty', mutate: (r) => ((r.params.inputs = []), r), fields: ['params.inputs'] },
  {
    name: 'inputs not a list',
    mutate: (r) => ({ ...r, params: { ...r.params, inputs: 'hi' } }),
    fields: ['params.inputs'],
  },
  {
    name: 'text empty',
    mutate: (r) => (
      r.params.inputs.push(
        { text: 'ok', voice_id: 'b' },
        { text: 'ok', voice_id: 'c' },
        { text: '', voice_id: 'd' },
      ),
      r
    ),
    fields: ['params.inputs.3.text'],
  },
  {
    name: 'text blank',
    mutate: (r) => ((r.params.inputs[0]!.text = '   '), r),
    fields: ['params.inputs.0.text'],
  },
  {
    name: 'text missing',
    mutate: (r) => (delete r.params.inputs[0]!.text, r),
    fields: ['params.inputs.0.text'],
  },
  {
    name: 'voice_id missing',
    mutate: (r) => (delete r.params.inputs[0]!.voice_id, r),
    fields: ['params.inputs.0.voice_id'],
  },
  {
    name: 'voice_id with a slash',
    mutate: (r) => ((r.params.inputs[0]!.voice_id = '../x'), r),
    fields: ['params.inputs.0.voice_id'],
  },
  {
    name: 'unknown input key',
    mutate: (r) => ((r.params.inputs[0]!.speed = 1), r),
    fields: ['params.inputs.0.speed'],
  },
  {
    name: '11 distinct voices',
    mutate: (r) => (
      (r.params.inputs = Array.from({ length: 11 }, (_, i) => ({
        text: 'Hi.',
        voice_id: voice(i),
      }))),
      r
    ),
    fields: ['params.inputs'],
  },
  {
    name: 'texts over 5,000 characters in total',
    mutate: (r) => (
      (r.params.inputs = [
        { text: 'a'.repeat(2_600), voice_id: 'v1' },
        { text: 'b'.repeat(2_401), voice_id: 'v2' },
      ]),
      r
    ),
    fields: ['params.inputs'],
  },
  {
    name: '5,000 characters counted in code points (emoji are one each)',
    mutate: (r) => ((r.params.inputs = [{ text: '😀'.repeat(5_001), voice_id: 'v1' }]), r),
    fields: ['params.inputs'],
  },
  {
    // Newer model ids and any language code pass through (the upstream decides); only what
    // cannot be one is refused.
    name: 'model_id malformed',
    mutate: (r) => ((r.params.model_id = 'eleven v3'), r),
    fields: ['params.model_id'],
  },
  {
    name: 'language_code empty',
    mutate: (r) => ((r.params.language_code = ''), r),
    fields: ['params.language_code'],
  },
  {
    name: 'enable_logging not a boolean',
    mutate: (r) => ((r.params.enable_logging = 'no'), r),
    fields: ['params.enable_logging'],
  },
  {
    name: 'settings.similarity_boost',
    mutate: (r) => ((r.params.settings = { stability: 0.5, similarity_boost: 0.7 }), r),
    fields: ['params.settings.similarity_boost'],
  },
  {
    name: 'settings.stability out of range',
    mutate: (r) => ((r.params.settings = { stability: 1.2 }), r),
    fields: ['params.settings.stability'],
  },
  {
    name: 'settings not an object',
    mutate: (r) => ((r.params.settings = 0.5), r),
    fields: ['params.settings'],
  },
  {
    name: '4 pronunciation dictionaries',
    mutate: (r) => (
      (r.params.pronunciation_dictionary_locators = Array.from({ length: 4 }, (_, i) => ({
        pronunciation_dictionary_id: `pd${i}`,
      }))),
      r
    ),
    fields: ['params.pronunciation_dictionary_locators'],
  },
  {
    name: 'locator without its id',
    mutate: (r) => ((r.params.pronunciation_dictionary_locators = [{ version_id: 'v' }]), r),
    fields: ['params.pronunciation_dictionary_locators.0.pronunciation_dictionary_id'],
  },
  { name: 'seed negative', mutate: (r) => ((r.params.seed = -1), r), fields: ['params.seed'] },
  {
    name: 'seed over uint32',
    mutate: (r) => ((r.params.seed = 4_294_967_296), r),
    fields: ['params.seed'],
  },
  { name: 'seed fractional', mutate: (r) => ((r.params.seed = 0.5), r), fields: ['params.seed'] },
  {
    name: 'apply_text_normalization unknown',
    mutate: (r) => ((r.params.apply_text_normalization = 'always'), r),
    fields: ['params.apply_text_normalization'],
  },
  {
    name: 'output_format unknown',
    mutate: (r) => ((r.params.output_format = 'flac_44100'), r),
    fields: ['params.output_format'],
  },
  {
    name: 'wav with stream',
    mutate: (r) => ((r.params.output_format = 'wav_44100'), { ...r, options: { stream: true } }),
    fields: ['params.output_format'],
  },
  {
    name: 'wav with stream and timestamps',
    mutate: (r) => (
      (r.params.output_format = 'wav_16000'),
      { ...r, options: { stream: true, with_timestamps: true } }
    ),
    fields: ['params.output_format'],
  },
  {
    name: 'unknown params field (voice_settings)',
    mutate: (r) => ((r.params.voice_settings = {}), r),
    fields: ['params.voice_settings'],
  },
  {
    name: 'unknown option',
    mutate: (r) => ({ ...r, options: { timestamps: true } }),
    fields: ['options.timestamps'],
  },
  {
    name: 'with_timestamps not boolean',
    mutate: (r) => ({ ...r, options: { with_timestamps: 'yes' } }),
    fields: ['options.with_timestamps'],
  },
  {
    name: 'input audio given',
    mutate: (r) => ({ ...r, input: { url: 'https://example.com/a.wav' } }),
    fields: ['input'],
  },
];

describe('POST /v1/jobs validation: text_to_dialogue', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api.close();
  });

  const validRequest = (): Request => ({
    type: 'text_to_dialogue',
    params: { inputs: [{ text: 'Knock knock.', voice_id: 'JBFqnCBsd6RMkjVDRZzb' }] },
  });

  async function snapshot() {
    const page = await api.deps.jobs.list({ owner: 'local', limit: 100 });
    return {
      jobs: page.records.length,
      queue: await api.queueCounts(),
      objects: await api.storedKeys(),
    };
  }

  it('accepts the edge of every limit (control case), with the upstream defaults filled in', async () => {
    const response = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: {
        type: 'text_to_dialogue',
        params: {
          inputs: [
            ...Array.from({ length: 10 }, (_, i) => ({
              text: 'x'.repeat(499),
              voice_id: voice(i),
            })),
            { text: '[laughs] 😀'.repeat(1), voice_id: voice(0) },
          ],
          language_code: 'fr',
          settings: { stability: 1 },
          pronunciation_dictionary_locators: [
            { pronunciation_dictionary_id: 'a' },
            { pronunciation_dictionary_id: 'b', version_id: 'v2' },
            { pronunciation_dictionary_id: 'c' },
          ],
          seed: 4_294_967_295,
          output_format: 'wav_44100',
        },
        options: { with_timestamps: true },
      },
    });
    expect(response.statusCode, response.body).toBe(202);
    const job = response.json<{
      request: { params: Record<string, unknown>; options: Record<string, unknown> };
      seed: number;
    }>();
    expect(job.request.params).toMatchObject({
      model_id: 'eleven_v3',
      apply_text_normalization: 'auto',
      seed: 4_294_967_295,
    });
    expect(job.request.options).toEqual({ stream: false, with_timestamps: true });
    expect(job.seed).toBe(4_294_967_295);
  });

  it('passes through what a newer upstream may accept: model ids, language codes, nulls', async () => {
    const request = validRequest();
    Object.assign(request.params, {
      model_id: 'eleven_v4_preview',
      language_code: 'pt-BR',
      settings: { stability: null },
      pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: 'a', version_id: null }],
      seed: null,
      enable_logging: false,
    });
    const response = await api.call({ method: 'POST', url: '/v1/jobs', payload: request });
    expect(response.statusCode, response.body).toBe(202);
    const job = response.json<{ request: { params: Record<string, unknown> }; seed: number }>();
    // Null reads as absent: the seed is fixed as for a request without one.
    expect(job.request.params).toMatchObject({
      model_id: 'eleven_v4_preview',
      language_code: 'pt-BR',
      settings: {},
      pronunciation_dictionary_locators: [{ pronunciation_dictionary_id: 'a' }],
      enable_logging: false,
      seed: job.seed,
    });
    const nulls = validRequest();
    Object.assign(nulls.params, {
      language_code: null,
      settings: null,
      pronunciation_dictionary_locators: null,
    });
    const accepted = await api.call({ method: 'POST', url: '/v1/jobs', payload: nulls });
    expect(accepted.statusCode, accepted.body).toBe(202);
  });

  it('fixes a uint32 seed when none is given', async () => {
    const response = await api.call({ method: 'POST', url: '/v1/jobs', payload: validRequest() });
    expect(response.statusCode).toBe(202);
    const { seed } = response.json<{ seed: number }>();
    expect(Number.isInteger(seed) && seed >= 0 && seed <= 4_294_967_295).toBe(true);
  });

  it.each(cases)('$name → 422 naming $fields', async ({ mutate, fields }) => {
    const before = await snapshot();
    const response = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: JSON.stringify(mutate(validRequest())),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode, response.body).toBe(422);
    const { error } = response.json<{
      error: { code: string; details: { field: string; message: string }[] };
    }>();
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((detail) => detail.field)).toEqual(fields);
    for (const detail of error.details) expect(detail.message).not.toBe('');
    expect(await snapshot()).toEqual(before);
  });

  it('lists every problem of a request with several', async () => {
    const before = await snapshot();
    const response = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: {
        type: 'text_to_dialogue',
        params: {
          inputs: [
            { text: '', voice_id: 'a' },
            ...Array.from({ length: 11 }, (_, i) => ({ text: 'Hi', voice_id: voice(i) })),
          ],
          settings: { similarity_boost: 1 },
          seed: -5,
          output_format: 'wav_8000',
        },
        options: { stream: true },
      },
    });
    expect(response.statusCode).toBe(422);
    const fields = response
      .json<{ error: { details: { field: string }[] } }>()
      .error.details.map((d) => d.field);
    expect(fields.sort()).toEqual(
      [
        'params.inputs.0.text',
        'params.settings.similarity_boost',
        'params.seed',
        'params.inputs',
        'params.output_format',
      ].sort(),
    );
    expect(await snapshot()).toEqual(before);
  });
});
