import { describe, expect, it } from 'vitest';
import { musicRequestSchema } from '../../../../src/shared/jobs/music.ts';
import { composeBody, planBody } from '../../../../src/workers/music/compose-body.ts';

const plan = {
  positive_global_styles: [],
  negative_global_styles: [],
  sections: [
    {
      section_name: 'A',
      positive_local_styles: [],
      negative_local_styles: [],
      duration_ms: 3_000,
      lines: [],
    },
  ],
};

const paramsOf = (params: Record<string, unknown>) =>
  musicRequestSchema.parse({ type: 'music', params }).params;

describe('composeBody', () => {
  it('sends the seed in plan mode, output_format never (it is a query parameter)', () => {
    const body = composeBody(paramsOf({ composition_plan: plan, store_for_inpainting: true }), 77);
    // No model named: none sent (the upstream deprecated a default model_id).
    expect(JSON.parse(body.body)).toEqual({
      composition_plan: plan,
      store_for_inpainting: true,
      seed: 77,
    });
    expect(body.contentLength).toBe(Buffer.byteLength(body.body));
  });

  it('never sends a seed with a prompt, even if one reached it', () => {
    const body = composeBody(paramsOf({ prompt: 'héllo', music_length_ms: 9_000 }), 5);
    expect(JSON.parse(body.body)).toEqual({
      prompt: 'héllo',
      music_length_ms: 9_000,
    });
    expect(body.contentLength).toBe(Buffer.byteLength(body.body)); // bytes, not characters
  });

  it('sends with_timestamps and sign_with_c2pa in the body, and a model only when named', () => {
    const { params } = musicRequestSchema.parse({
      type: 'music',
      params: { prompt: 'x', with_timestamps: true, sign_with_c2pa: true },
      options: { detailed: true },
    });
    expect(JSON.parse(composeBody(params, null).body)).toEqual({
      prompt: 'x',
      with_timestamps: true,
      sign_with_c2pa: true,
    });
    const named = paramsOf({ prompt: 'x', model_id: 'music_v2_5' });
    expect(JSON.parse(composeBody(named, null).body)).toEqual({
      prompt: 'x',
      model_id: 'music_v2_5',
    });
  });

  it('sends a plan request as given', () => {
    const body = planBody({ prompt: 'x', model_id: 'music_v2', music_length_ms: 4_000 });
    expect(JSON.parse(body.body)).toEqual({
      prompt: 'x',
      model_id: 'music_v2',
      music_length_ms: 4_000,
    });
  });
});
