import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

/**
 * `music` and `music_plan` requests are refused at intake as strictly as the upstream would:
 * each bad field gets a 422 naming it, and nothing is recorded, queued or stored.
 */

type Body = Record<string, unknown> & { params: Record<string, unknown> };

const section = (over: Record<string, unknown> = {}) => ({
  section_name: 'Verse',
  positive_local_styles: ['warm'],
  negative_local_styles: [],
  duration_ms: 10_000,
  lines: ['a line'],
  ...over,
});
const v1Plan = (over: Record<string, unknown> = {}) => ({
  positive_global_styles: ['pop'],
  negative_global_styles: [],
  sections: [section()],
  ...over,
});
const chunk = (over: Record<string, unknown> = {}) => ({
  text: '[Verse]\nla la',
  duration_ms: 8_000,
  positive_styles: ['pop'],
  ...over,
});

const promptMusic = (): Body => ({ type: 'music', params: { prompt: 'lofi beats' } });
const planMusic = (): Body => ({ type: 'music', params: { composition_plan: v1Plan() } });
const v2Music = (): Body => ({
  type: 'music',
  params: { model_id: 'music_v2', composition_plan: { chunks: [chunk()] } },
});
const plan = (): Body => ({ type: 'music_plan', params: { prompt: 'epic orchestral' } });

interface Case {
  name: string;
  base: () => Body;
  mutate: (body: Body) => unknown;
  fields: string[];
}

const set = (params: Record<string, unknown>) => (body: Body) => ({
  ...body,
  params: { ...body.params, ...params },
});

const cases: Case[] = [
  {
    name: 'music: neither prompt nor plan',
    base: promptMusic,
    mutate: (b) => ({ ...b, params: {} }),
    fields: ['params.prompt'],
  },
  {
    name: 'music: prompt and plan',
    base: promptMusic,
    mutate: set({ composition_plan: v1Plan() }),
    fields: ['params.composition_plan'],
  },
  {
    name: 'music: prompt over 4,100 characters',
    base: promptMusic,
    mutate: set({ prompt: 'x'.repeat(4_101) }),
    fields: ['params.prompt'],
  },
  {
    name: 'music: seed with a prompt',
    base: promptMusic,
    mutate: set({ seed: 42 }),
    fields: ['params.seed'],
  },
  {
    name: 'music: seed over int31',
    base: planMusic,
    mutate: set({ seed: 2_147_483_648 }),
    fields: ['params.seed'],
  },
  {
    name: 'music: negative seed',
    base: planMusic,
    mutate: set({ seed: -1 }),
    fields: ['params.seed'],
  },
  {
    name: 'music: music_length_ms under 3 s',
    base: promptMusic,
    mutate: set({ music_length_ms: 2_999 }),
    fields: ['params.music_length_ms'],
  },
  {
    name: 'music: music_length_ms over 10 min',
    base: promptMusic,
    mutate: set({ music_length_ms: 600_001 }),
    fields: ['params.music_length_ms'],
  },
  {
    name: 'music: music_length_ms with a plan',
    base: planMusic,
    mutate: set({ music_length_ms: 30_000 }),
    fields: ['params.music_length_ms'],
  },
  {
    name: 'music: force_instrumental with a plan',
    base: planMusic,
    mutate: set({ force_instrumental: true }),
    fields: ['params.force_instrumental'],
  },
  {
    name: 'music: force_instrumental not boolean',
    base: promptMusic,
    mutate: set({ force_instrumental: 'yes' }),
    fields: ['params.force_instrumental'],
  },
  {
    name: 'music: malformed model id',
    base: promptMusic,
    mutate: set({ model_id: 'music v3' }),
    fields: ['params.model_id'],
  },
  {
    name: 'music: wav output',
    base: promptMusic,
    mutate: set({ output_format: 'wav_44100' }),
    fields: ['params.output_format'],
  },
  {
    name: 'music: unknown output format',
    base: promptMusic,
    mutate: set({ output_format: 'mp3_48000_64' }),
    fields: ['params.output_format'],
  },
  {
    name: 'music: unknown params field',
    base: promptMusic,
    mutate: set({ voice_id: 'x' }),
    fields: ['params.voice_id'],
  },
  {
    name: 'music: input given',
    base: promptMusic,
    mutate: (b) => ({ ...b, input: { url: 'https://example.com/a.mp3' } }),
    fields: ['input'],
  },
  {
    name: 'music: stream and detailed',
    base: promptMusic,
    mutate: (b) => ({ ...b, options: { stream: true, detailed: true } }),
    fields: ['options'],
  },
  {
    name: 'music: unknown option',
    base: promptMusic,
    mutate: (b) => ({ ...b, options: { with_timestamps: true } }),
    fields: ['options.with_timestamps'],
  },
  {
    name: 'music: respect_sections_durations on stream',
    base: planMusic,
    mutate: (b) => ({ ...set({ respect_sections_durations: true })(b), options: { stream: true } }),
    fields: ['params.respect_sections_durations'],
  },
  {
    name: 'music: chunks plan for music_v1',
    base: planMusic,
    mutate: set({ model_id: 'music_v1', composition_plan: { chunks: [chunk()] } }),
    fields: ['params.composition_plan'],
  },
  {
    name: 'music: sections plan for music_v2',
    base: v2Music,
    mutate: set({ composition_plan: v1Plan() }),
    fields: ['params.composition_plan'],
  },
  {
    name: 'music: 51 global styles',
    base: planMusic,
    mutate: set({ composition_plan: v1Plan({ negative_global_styles: Array(51).fill('s') }) }),
    fields: ['params.composition_plan.negative_global_styles'],
  },
  {
    name: 'music: 31 sections',
    base: planMusic,
    mutate: set({ composition_plan: v1Plan({ sections: Array(31).fill(section()) }) }),
    fields: ['params.composition_plan.sections'],
  },
  {
    name: 'music: empty section name',
    base: planMusic,
    mutate: set({ composition_plan: v1Plan({ sections: [section({ section_name: '' })] }) }),
    fields: ['params.composition_plan.sections.0.section_name'],
  },
  {
    name: 'music: 51 local styles',
    base: planMusic,
    mutate: set({
      composition_plan: v1Plan({
        sections: [section({ positive_local_styles: Array(51).fill('s') })],
      }),
    }),
    fields: ['params.composition_plan.sections.0.positive_local_styles'],
  },
  {
    name: 'music: section of 2,999 ms',
    base: planMusic,
    mutate: set({ composition_plan: v1Plan({ sections: [section({ duration_ms: 2_999 })] }) }),
    fields: ['params.composition_plan.sections.0.duration_ms'],
  },
  {
    name: 'music: section over 120 s',
    base: planMusic,
    mutate: set({ composition_plan: v1Plan({ sections: [section({ duration_ms: 120_001 })] }) }),
    fields: ['params.composition_plan.sections.0.duration_ms'],
  },
  {
    name: 'music: 31 lines',
    base: planMusic,
    mutate: set({
      composition_plan: v1Plan({ sections: [section({ lines: Array(31).fill('l') })] }),
    }),
    fields: ['params.composition_plan.sections.0.lines'],
  },
  {
    name: 'music: line of 201 characters',
    base: planMusic,
    mutate: set({
      composition_plan: v1Plan({ sections: [section({ lines: ['ok', 'l'.repeat(201)] })] }),
    }),
    fields: ['params.composition_plan.sections.0.lines.1'],
  },
  {
    name: 'music: source_from without song_id',
    base: planMusic,
    mutate: set({
      composition_plan: v1Plan({
        sections: [section({ source_from: { range: { start_ms: 0, end_ms: 5_000 } } })],
      }),
    }),
    fields: ['params.composition_plan.sections.0.source_from.song_id'],
  },
  {
    name: 'music: 11 negative ranges',
    base: planMusic,
    mutate: set({
      composition_plan: v1Plan({
        sections: [
          section({
            source_from: {
              song_id: 's',
              range: { start_ms: 0, end_ms: 5_000 },
              negative_ranges: Array(11).fill({ start_ms: 0, end_ms: 1 }),
            },
          }),
        ],
      }),
    }),
    fields: ['params.composition_plan.sections.0.source_from.negative_ranges'],
  },
  {
    name: 'music: v2 chunk of 2,999 ms',
    base: v2Music,
    mutate: set({ composition_plan: { chunks: [chunk({ duration_ms: 2_999 })] } }),
    fields: ['params.composition_plan.chunks.0.duration_ms'],
  },
  {
    name: 'music: v2 chunk text of 31 lines',
    base: v2Music,
    mutate: set({
      composition_plan: { chunks: [chunk({ text: Array(31).fill('l').join('\n') })] },
    }),
    fields: ['params.composition_plan.chunks.0.text'],
  },
  {
    name: 'music: v2 chunk without styles',
    base: v2Music,
    mutate: set({ composition_plan: { chunks: [{ text: 'la', duration_ms: 5_000 }] } }),
    fields: ['params.composition_plan.chunks.0.positive_styles'],
  },
  {
    name: 'music: 31 v2 chunks',
    base: v2Music,
    mutate: set({ composition_plan: { chunks: Array(31).fill(chunk()) } }),
    fields: ['params.composition_plan.chunks'],
  },
  {
    name: 'music_plan: prompt missing',
    base: plan,
    mutate: (b) => ({ ...b, params: {} }),
    fields: ['params.prompt'],
  },
  { name: 'music_plan: seed', base: plan, mutate: set({ seed: 1 }), fields: ['params.seed'] },
  {
    name: 'music_plan: output_format',
    base: plan,
    mutate: set({ output_format: 'mp3_44100_128' }),
    fields: ['params.output_format'],
  },
  {
    name: 'music_plan: music_length_ms over 10 min',
    base: plan,
    mutate: set({ music_length_ms: 600_001 }),
    fields: ['params.music_length_ms'],
  },
  {
    name: 'music_plan: source plan of the wrong shape',
    base: plan,
    mutate: set({ model_id: 'music_v1', source_composition_plan: { chunks: [chunk()] } }),
    fields: ['params.source_composition_plan'],
  },
  {
    name: 'music_plan: bad source plan section',
    base: plan,
    mutate: set({ source_composition_plan: v1Plan({ sections: [section({ duration_ms: 1 })] }) }),
    fields: ['params.source_composition_plan.sections.0.duration_ms'],
  },
  {
    name: 'music_plan: options',
    base: plan,
    mutate: (b) => ({ ...b, options: { stream: true } }),
    fields: ['options.stream'],
  },
];

describe('POST /v1/jobs validation of music and music_plan', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api.close();
  });

  async function snapshot() {
    const page = await api.deps.jobs.list({ owner: 'local', limit: 100 });
    return {
      jobs: page.records.length,
      queue: await api.queues.music.getJobCounts(),
      objects: await api.storedKeys(),
    };
  }

  it.each([
    ['prompt music', promptMusic],
    ['plan music', planMusic],
    ['v2 plan music', v2Music],
    ['music plan', plan],
  ])('accepts the valid %s request (control case)', async (_name, base) => {
    const response = await api.call({ method: 'POST', url: '/v1/jobs', payload: base() });
    expect(response.statusCode, response.body).toBe(202);
  });

  it.each(cases)('$name → 422 naming $fields', async ({ base, mutate, fields }) => {
    const before = await snapshot();
    const response = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      payload: JSON.stringify(mutate(base())),
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

  it('lists every field problem at once, then the prompt-or-plan rules once fields are valid', async () => {
    const before = await snapshot();
    const fieldsOf = async (params: Record<string, unknown>): Promise<string[]> => {
      const response = await api.call({
        method: 'POST',
        url: '/v1/jobs',
        payload: { type: 'music', params, options: { stream: true, detailed: true } },
      });
      expect(response.statusCode).toBe(422);
      const { details } = response.json<{ error: { details: { field: string }[] } }>().error;
      return details.map((detail) => detail.field).sort();
    };
    const bad = { prompt: 'x', seed: 3, music_length_ms: 1, output_format: 'wav_8000' };
    expect(await fieldsOf(bad)).toEqual(['params.music_length_ms', 'params.output_format']);
    const fixed = { ...bad, music_length_ms: 3_000, output_format: 'mp3_44100_128' };
    expect(await fieldsOf(fixed)).toEqual(['options', 'params.seed']);
    expect(await snapshot()).toEqual(before);
  });
});
