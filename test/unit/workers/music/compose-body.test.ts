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
    expect(JSON.parse(body.body)).toEqual({
      composition_plan: plan,
      model_id: 'music_v1',
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
      model_id: 'music_v1',
    });
    expect(body.contentLength).toBe(Buffer.byteLength(body.body)); // bytes, not characters
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
