import { describe, expect, it } from 'vitest';
import {
  parseComposeRequest,
  parsePlanRequest,
} from '../../../src/simulator/routes/music-request.ts';
import { UpstreamHttpError } from '../../../src/simulator/upstream-errors.ts';

const section = {
  section_name: 'A',
  positive_local_styles: [],
  negative_local_styles: [],
  duration_ms: 4_000,
  lines: [],
};
const v1Plan = { positive_global_styles: ['pop'], negative_global_styles: [], sections: [section] };
const v2Plan = {
  chunks: [{ text: '[Verse]\nla la', duration_ms: 5_000, positive_styles: ['pop'] }],
};

/** The 422 body's `detail` items, or [] when the request is valid. */
function detail(call: () => unknown): unknown[] {
  try {
    call();
    return [];
  } catch (error) {
    if (!(error instanceof UpstreamHttpError)) throw error;
    expect(error.status).toBe(422);
    return (error.body as { detail: unknown[] }).detail;
  }
}

const compose =
  (body: unknown, query = '') =>
  () =>
    parseComposeRequest(new URLSearchParams(query), body);

describe('simulated music compose validation', () => {
  it('resolves auto to the model default and treats null as absent', () => {
    const v1 = parseComposeRequest(new URLSearchParams(), {
      prompt: 'x',
      composition_plan: null,
      seed: null,
    });
    expect(v1).toMatchObject({
      model: 'music_v1',
      prompt: 'x',
      plan: null,
      seed: null,
      musicLengthMs: null,
    });
    expect(v1.format.name).toBe('mp3_44100_128');
    const v2 = parseComposeRequest(new URLSearchParams('output_format=auto'), {
      model_id: 'music_v2',
      composition_plan: v2Plan,
      seed: 9,
    });
    expect(v2.format.name).toBe('mp3_48000_192');
    expect(v2.seed).toBe(9);
  });

  it('ignores body fields it does not know, as pydantic does', () => {
    expect(detail(compose({ prompt: 'x', with_timestamps: true, finetune_id: 'f' }))).toEqual([]);
  });

  it.each<[string, unknown, string, unknown[]]>([
    [
      'wav output',
      { prompt: 'x' },
      'output_format=wav_44100',
      [{ loc: ['query', 'output_format'], type: 'enum' }],
    ],
    ['neither prompt nor plan', {}, '', [{ loc: ['body'], type: 'value_error' }]],
    [
      'prompt and plan',
      { prompt: 'x', composition_plan: v1Plan },
      '',
      [{ loc: ['body'], type: 'value_error' }],
    ],
    [
      'a seed with a prompt',
      { prompt: 'x', seed: 3 },
      '',
      [{ loc: ['body', 'seed'], type: 'value_error' }],
    ],
    [
      'a seed over int31',
      { composition_plan: v1Plan, seed: 2 ** 31 },
      '',
      [{ loc: ['body', 'seed'], type: 'less_than_equal' }],
    ],
    [
      'a length with a plan',
      { composition_plan: v1Plan, music_length_ms: 5_000 },
      '',
      [{ loc: ['body', 'music_length_ms'], type: 'value_error' }],
    ],
    [
      'force_instrumental with a plan',
      { composition_plan: v1Plan, force_instrumental: true },
      '',
      [{ loc: ['body', 'force_instrumental'], type: 'value_error' }],
    ],
    [
      'a long prompt',
      { prompt: 'x'.repeat(4_101) },
      '',
      [{ loc: ['body', 'prompt'], type: 'string_too_long' }],
    ],
    [
      'a chunks plan for music_v1',
      { model_id: 'music_v1', composition_plan: v2Plan },
      '',
      [
        { loc: ['body', 'composition_plan', 'positive_global_styles'], type: 'missing' },
        { loc: ['body', 'composition_plan', 'negative_global_styles'], type: 'missing' },
        { loc: ['body', 'composition_plan', 'sections'], type: 'missing' },
      ],
    ],
    [
      'a sections plan for music_v2',
      { model_id: 'music_v2', composition_plan: v1Plan },
      '',
      [{ loc: ['body', 'composition_plan', 'chunks'], type: 'missing' }],
    ],
    [
      'a fractional duration',
      { composition_plan: { ...v1Plan, sections: [{ ...section, duration_ms: 4_000.5 }] } },
      '',
      [{ loc: ['body', 'composition_plan', 'sections', 0, 'duration_ms'], type: 'int_from_float' }],
    ],
    [
      '31 lines',
      { composition_plan: { ...v1Plan, sections: [{ ...section, lines: Array(31).fill('l') }] } },
      '',
      [{ loc: ['body', 'composition_plan', 'sections', 0, 'lines'], type: 'too_long' }],
    ],
    [
      'a v2 chunk of 31 lines',
      {
        model_id: 'music_v2',
        composition_plan: {
          chunks: [{ ...v2Plan.chunks[0], text: Array(31).fill('l').join('\n') }],
        },
      },
      '',
      [{ loc: ['body', 'composition_plan', 'chunks', 0, 'text'], type: 'value_error' }],
    ],
    [
      'a v2 audio reference of 1 s',
      {
        model_id: 'music_v2',
        composition_plan: { chunks: [{ song_id: 's', range: { start_ms: 0, end_ms: 1_000 } }] },
      },
      '',
      [{ loc: ['body', 'composition_plan', 'chunks', 0, 'range'], type: 'value_error' }],
    ],
    [
      'an unknown model',
      { prompt: 'x', model_id: 'music_v0' },
      '',
      [{ loc: ['body', 'model_id'], type: 'enum' }],
    ],
    [
      'a string length',
      { prompt: 'x', music_length_ms: '5000' },
      '',
      [{ loc: ['body', 'music_length_ms'], type: 'int_type' }],
    ],
  ])('%s → 422', (_name, body, query, expected) => {
    const items = detail(compose(body, query));
    expect(items).toEqual(expected.map((item) => expect.objectContaining(item) as unknown));
    for (const item of items) expect((item as { msg: string }).msg).not.toBe('');
  });

  it('says "Field required" for a missing field, pydantic style', () => {
    const [item] = detail(
      compose({ composition_plan: { ...v1Plan, sections: [{ ...section, lines: undefined }] } }),
    );
    expect(item).toEqual({
      loc: ['body', 'composition_plan', 'sections', 0, 'lines'],
      msg: 'Field required',
      type: 'missing',
    });
  });
});

describe('simulated music plan validation', () => {
  it('requires a prompt and checks the source plan against the model', () => {
    expect(detail(() => parsePlanRequest({}))).toEqual([
      { loc: ['body', 'prompt'], msg: 'Field required', type: 'missing' },
    ]);
    const items = detail(() =>
      parsePlanRequest({ prompt: 'x', model_id: 'music_v2', source_composition_plan: v1Plan }),
    );
    expect(items).toEqual([
      expect.objectContaining({ loc: ['body', 'source_composition_plan', 'chunks'] }),
    ]);
    expect(parsePlanRequest({ prompt: 'x', music_length_ms: null })).toEqual({
      prompt: 'x',
      musicLengthMs: null,
      source: null,
      model: 'music_v1',
    });
  });
});
