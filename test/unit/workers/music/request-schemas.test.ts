import { describe, expect, it } from 'vitest';
import { issuesToDetails } from '../../../../src/api/validation.ts';
import { planDurationMs } from '../../../../src/shared/jobs/composition-plan.ts';
import { musicPlanRequestSchema } from '../../../../src/shared/jobs/music-plan.ts';
import { musicRequestSchema, resolveMusicOutputFormat } from '../../../../src/shared/jobs/music.ts';
import { seedFor } from '../../../../src/shared/jobs/seed-policy.ts';

type Params = Record<string, unknown>;

const section = (over: Params = {}): Params => ({
  section_name: 'Verse',
  positive_local_styles: ['warm'],
  negative_local_styles: [],
  duration_ms: 10_000,
  lines: ['a line'],
  ...over,
});
const v1Plan = (over: Params = {}, sectionOver: Params = {}): Params => ({
  positive_global_styles: ['pop'],
  negative_global_styles: [],
  sections: [section(sectionOver)],
  ...over,
});
const chunk = (over: Params = {}): Params => ({
  text: '[Verse 1]\nline one\nline two',
  duration_ms: 8_000,
  positive_styles: ['pop'],
  ...over,
});
const v2Plan = (...chunks: Params[]): Params => ({ chunks: chunks.length ? chunks : [chunk()] });

/** The fields a 422 would name, exactly as the API names them. */
function problems(params: Params, options: Params = {}): string[] {
  const parsed = musicRequestSchema.safeParse({ type: 'music', params, options });
  return parsed.success ? [] : issuesToDetails(parsed.error.issues).map((detail) => detail.field);
}

describe('music request schema', () => {
  it('normalizes a prompt request with the upstream defaults', () => {
    const parsed = musicRequestSchema.parse({ type: 'music', params: { prompt: 'lofi' } });
    // No model_id filled in: the upstream picks its own when none is sent.
    expect(parsed.params).toEqual({ prompt: 'lofi', output_format: 'auto' });
    expect(parsed.options).toEqual({ stream: false, detailed: false });
    expect(musicRequestSchema.parse(parsed)).toEqual(parsed); // a stored record re-parses as itself
  });

  it.each<[string, Params, Params, string[]]>([
    ['a prompt', { prompt: 'x', music_length_ms: 3_000, force_instrumental: true }, {}, []],
    ['a v1 plan with a seed', { composition_plan: v1Plan(), seed: 2_147_483_647 }, {}, []],
    ['a v2 plan', { model_id: 'music_v2', composition_plan: v2Plan() }, { detailed: true }, []],
    [
      'a v2 audio reference chunk',
      {
        model_id: 'music_v2',
        composition_plan: v2Plan({ song_id: 's', range: { start_ms: 0, end_ms: 5_000 } }),
      },
      {},
      [],
    ],
    ['neither prompt nor plan', {}, {}, ['params.prompt']],
    [
      'both prompt and plan',
      { prompt: 'x', composition_plan: v1Plan() },
      {},
      ['params.composition_plan'],
    ],
    ['a seed with a prompt', { prompt: 'x', seed: 1 }, {}, ['params.seed']],
    ['a seed over int31', { composition_plan: v1Plan(), seed: 2_147_483_648 }, {}, ['params.seed']],
    [
      'music_length_ms with a plan',
      { composition_plan: v1Plan(), music_length_ms: 5_000 },
      {},
      ['params.music_length_ms'],
    ],
    [
      'force_instrumental with a plan',
      { composition_plan: v1Plan(), force_instrumental: false },
      {},
      ['params.force_instrumental'],
    ],
    [
      'music_length_ms under 3 s',
      { prompt: 'x', music_length_ms: 2_999 },
      {},
      ['params.music_length_ms'],
    ],
    [
      'music_length_ms over 10 min',
      { prompt: 'x', music_length_ms: 600_001 },
      {},
      ['params.music_length_ms'],
    ],
    ['a prompt over 4,100 characters', { prompt: 'x'.repeat(4_101) }, {}, ['params.prompt']],
    ['an empty prompt', { prompt: '' }, {}, ['params.prompt']],
    ['a newer model, passed through', { prompt: 'x', model_id: 'music_v9' }, {}, []],
    ['a malformed model id', { prompt: 'x', model_id: 'music v9!' }, {}, ['params.model_id']],
    [
      'null where the upstream allows it',
      { prompt: 'x', seed: null, music_length_ms: null },
      {},
      [],
    ],
    ['with_timestamps on detailed', { prompt: 'x', with_timestamps: true }, { detailed: true }, []],
    [
      'with_timestamps elsewhere',
      { prompt: 'x', with_timestamps: true },
      {},
      ['params.with_timestamps'],
    ],
    ['sign_with_c2pa', { prompt: 'x', sign_with_c2pa: true }, { stream: true }, []],
    ['a chunks plan without a model', { composition_plan: v2Plan() }, {}, []],
    [
      'a chunks plan for music_v2_5',
      { model_id: 'music_v2_5', composition_plan: v2Plan() },
      {},
      [],
    ],
    ['wav output', { prompt: 'x', output_format: 'wav_44100' }, {}, ['params.output_format']],
    [
      'a chunks plan for music_v1',
      { model_id: 'music_v1', composition_plan: v2Plan() },
      {},
      ['params.composition_plan'],
    ],
    [
      'a sections plan for music_v2',
      { model_id: 'music_v2', composition_plan: v1Plan() },
      {},
      ['params.composition_plan'],
    ],
    ['stream and detailed', { prompt: 'x' }, { stream: true, detailed: true }, ['options']],
    [
      'respect_sections_durations on stream',
      { composition_plan: v1Plan(), respect_sections_durations: true },
      { stream: true },
      ['params.respect_sections_durations'],
    ],
    [
      '51 global styles',
      { composition_plan: v1Plan({ positive_global_styles: Array(51).fill('s') }) },
      {},
      ['params.composition_plan.positive_global_styles'],
    ],
    [
      '31 sections',
      { composition_plan: v1Plan({ sections: Array(31).fill(section()) }) },
      {},
      ['params.composition_plan.sections'],
    ],
    [
      'no sections',
      { composition_plan: v1Plan({ sections: [] }) },
      {},
      ['params.composition_plan.sections'],
    ],
    [
      'an empty section name',
      { composition_plan: v1Plan({}, { section_name: '' }) },
      {},
      ['params.composition_plan.sections.0.section_name'],
    ],
    [
      'a 101-character section name',
      { composition_plan: v1Plan({}, { section_name: 'n'.repeat(101) }) },
      {},
      ['params.composition_plan.sections.0.section_name'],
    ],
    [
      '51 local styles',
      { composition_plan: v1Plan({}, { negative_local_styles: Array(51).fill('s') }) },
      {},
      ['params.composition_plan.sections.0.negative_local_styles'],
    ],
    [
      'a 2,999 ms section',
      { composition_plan: v1Plan({}, { duration_ms: 2_999 }) },
      {},
      ['params.composition_plan.sections.0.duration_ms'],
    ],
    [
      'a 120,001 ms section',
      { composition_plan: v1Plan({}, { duration_ms: 120_001 }) },
      {},
      ['params.composition_plan.sections.0.duration_ms'],
    ],
    [
      '31 lines',
      { composition_plan: v1Plan({}, { lines: Array(31).fill('l') }) },
      {},
      ['params.composition_plan.sections.0.lines'],
    ],
    [
      'a 201-character line',
      { composition_plan: v1Plan({}, { lines: ['l'.repeat(201)] }) },
      {},
      ['params.composition_plan.sections.0.lines.0'],
    ],
    [
      '11 negative ranges',
      {
        composition_plan: v1Plan(
          {},
          {
            source_from: {
              song_id: 's',
              range: { start_ms: 0, end_ms: 9 },
              negative_ranges: Array(11).fill({ start_ms: 0, end_ms: 1 }),
            },
          },
        ),
      },
      {},
      ['params.composition_plan.sections.0.source_from.negative_ranges'],
    ],
    [
      'a reversed source range',
      {
        composition_plan: v1Plan(
          {},
          { source_from: { song_id: 's', range: { start_ms: 9, end_ms: 9 } } },
        ),
      },
      {},
      ['params.composition_plan.sections.0.source_from.range.end_ms'],
    ],
    [
      'an unknown section field',
      { composition_plan: v1Plan({}, { tempo: 120 }) },
      {},
      ['params.composition_plan.sections.0.tempo'],
    ],
    [
      'a v1 plan without global styles',
      { composition_plan: { sections: [section()] } },
      {},
      [
        'params.composition_plan.positive_global_styles',
        'params.composition_plan.negative_global_styles',
      ],
    ],
    [
      'a plan with sections and chunks',
      { composition_plan: { ...v1Plan(), chunks: [chunk()] } },
      {},
      ['params.composition_plan.chunks'],
    ],
    ['an empty plan', { composition_plan: {} }, {}, ['params.composition_plan']],
    [
      'a v2 plan with global styles',
      { model_id: 'music_v2', composition_plan: { ...v2Plan(), positive_global_styles: [] } },
      {},
      ['params.composition_plan.positive_global_styles'],
    ],
    [
      'a v2 chunk without text',
      {
        model_id: 'music_v2',
        composition_plan: v2Plan({ duration_ms: 4_000, positive_styles: [] }),
      },
      {},
      ['params.composition_plan.chunks.0.text'],
    ],
    [
      'a v2 audio reference with a duration',
      {
        model_id: 'music_v2',
        composition_plan: v2Plan({
          song_id: 's',
          range: { start_ms: 0, end_ms: 5_000 },
          duration_ms: 5_000,
        }),
      },
      {},
      ['params.composition_plan.chunks.0.duration_ms'],
    ],
    [
      'a v2 audio reference over 120 s',
      {
        model_id: 'music_v2',
        composition_plan: v2Plan({ song_id: 's', range: { start_ms: 0, end_ms: 120_001 } }),
      },
      {},
      ['params.composition_plan.chunks.0.range'],
    ],
    [
      'a v2 unknown context_adherence',
      { model_id: 'music_v2', composition_plan: v2Plan(chunk({ context_adherence: 'max' })) },
      {},
      ['params.composition_plan.chunks.0.context_adherence'],
    ],
    [
      'a v2 chunk text of 31 lines',
      {
        model_id: 'music_v2',
        composition_plan: v2Plan(chunk({ text: Array(31).fill('l').join('\n') })),
      },
      {},
      ['params.composition_plan.chunks.0.text'],
    ],
    [
      'a v2 empty section name',
      { model_id: 'music_v2', composition_plan: v2Plan(chunk({ text: '[]\nline' })) },
      {},
      ['params.composition_plan.chunks.0.text'],
    ],
    [
      'a v2 2,999 ms chunk',
      { model_id: 'music_v2', composition_plan: v2Plan(chunk({ duration_ms: 2_999 })) },
      {},
      ['params.composition_plan.chunks.0.duration_ms'],
    ],
    [
      '31 v2 chunks',
      { model_id: 'music_v2', composition_plan: { chunks: Array(31).fill(chunk()) } },
      {},
      ['params.composition_plan.chunks'],
    ],
  ])('%s', (_name, params, options, expected) => {
    expect(problems(params, options)).toEqual(expected);
  });
});

describe('music seeds and formats', () => {
  it('sends a seed in plan mode only, an int31 one when none was given', () => {
    const prompt = musicRequestSchema.parse({ type: 'music', params: { prompt: 'x' } });
    expect(seedFor(prompt)).toBeNull();
    const plan = musicRequestSchema.parse({
      type: 'music',
      params: { composition_plan: v1Plan() },
    });
    const seed = seedFor(plan);
    expect(seed).toBeGreaterThanOrEqual(0);
    expect(seed).toBeLessThanOrEqual(2_147_483_647);
  });

  it('resolves auto per model', () => {
    expect(resolveMusicOutputFormat('auto', 'music_v1')).toBe('mp3_44100_128');
    expect(resolveMusicOutputFormat('auto', 'music_v2')).toBe('mp3_48000_192');
    expect(resolveMusicOutputFormat('pcm_16000', 'music_v2')).toBe('pcm_16000');
  });

  it('sums plan durations, audio references by their range', () => {
    expect(
      planDurationMs(v1Plan({ sections: [section(), section({ duration_ms: 3_000 })] }) as never),
    ).toBe(13_000);
    const plan = v2Plan(chunk(), { song_id: 's', range: { start_ms: 1_000, end_ms: 6_000 } });
    expect(planDurationMs(plan as never)).toBe(13_000);
  });
});

describe('music_plan request schema', () => {
  const planProblems = (params: Params) => {
    const parsed = musicPlanRequestSchema.safeParse({ type: 'music_plan', params });
    return parsed.success ? [] : issuesToDetails(parsed.error.issues).map((detail) => detail.field);
  };

  it.each<[string, Params, string[]]>([
    ['a prompt', { prompt: 'x', music_length_ms: 60_000 }, []],
    ['a v1 source plan', { prompt: 'x', source_composition_plan: v1Plan() }, []],
    [
      'a v2 source plan',
      { prompt: 'x', model_id: 'music_v2', source_composition_plan: v2Plan() },
      [],
    ],
    ['no prompt', { music_length_ms: 60_000 }, ['params.prompt']],
    ['a seed', { prompt: 'x', seed: 1 }, ['params.seed']],
    ['a length over 10 min', { prompt: 'x', music_length_ms: 600_001 }, ['params.music_length_ms']],
    [
      'a source plan of the wrong shape',
      { prompt: 'x', model_id: 'music_v1', source_composition_plan: v2Plan() },
      ['params.source_composition_plan'],
    ],
    ['a newer model, passed through', { prompt: 'x', model_id: 'v3' }, []],
    ['a malformed model id', { prompt: 'x', model_id: 'v 3' }, ['params.model_id']],
  ])('%s', (_name, params, expected) => {
    expect(planProblems(params)).toEqual(expected);
  });

  it('takes no seed and no options', () => {
    const parsed = musicPlanRequestSchema.parse({ type: 'music_plan', params: { prompt: 'x' } });
    expect(seedFor(parsed)).toBeNull();
    expect(parsed.options).toEqual({});
    expect(musicPlanRequestSchema.safeParse({ ...parsed, options: { stream: true } }).success).toBe(
      false,
    );
  });
});
