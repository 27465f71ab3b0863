import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { jobRequestSchema } from '../../../src/shared/jobs/job-request.ts';
import {
  REQUEST_DEFAULTS_V7,
  withDefaults,
  withoutDefaults,
} from '../../../src/shared/jobs/stored-request-defaults.ts';

type AnySchema = z.ZodType & { def: { type: string; innerType?: AnySchema }; shape?: object };

/** The object schema inside `.default(…)` / `.prefault(…)` wrappers. */
function unwrap(schema: AnySchema): AnySchema {
  let inner = schema;
  while (inner.def.innerType !== undefined && inner.shape === undefined)
    inner = inner.def.innerType;
  return inner;
}

/** Each key of an object schema that the schema fills in when absent, with what it fills. */
function filledDefaults(schema: AnySchema): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(unwrap(schema).shape ?? {})) {
    const parsed = (field as AnySchema).safeParse(undefined);
    if (parsed.success && parsed.data !== undefined) defaults[key] = parsed.data;
  }
  return defaults;
}

describe('the request defaults a version-7 record leaves out', () => {
  // Failing here means a default changed: old records must keep reading back the default they
  // were accepted with, so the change needs a new record version with a table of its own.
  it.each(jobRequestSchema.options.map((schema) => [schema.shape.type.value, schema] as const))(
    'are pinned to what the intake fills in today (%s)',
    (type, schema) => {
      const shape = schema.shape as unknown as Record<'params' | 'options', AnySchema>;
      expect(REQUEST_DEFAULTS_V7[type]).toEqual({
        params: filledDefaults(shape.params),
        options: filledDefaults(shape.options),
      });
    },
  );

  it('leaves out only values equal to the default, and options with nothing else in them', () => {
    const params = { inputs: [], model_id: 'eleven_v3', output_format: 'pcm_16000' };
    const options = { stream: false, with_timestamps: false };
    expect(withoutDefaults('text_to_dialogue', params, options)).toEqual({
      params: { inputs: [], output_format: 'pcm_16000' },
    });
    expect(withoutDefaults('text_to_dialogue', params, { ...options, stream: true })).toEqual({
      params: { inputs: [], output_format: 'pcm_16000' },
      options: { stream: true },
    });
  });

  it('puts the defaults back under what was stored, a nested one as its own copy', () => {
    const first = withDefaults('dub', { voice_id: 'v' }, undefined);
    expect(first).toEqual({
      params: { ...REQUEST_DEFAULTS_V7.dub.params, voice_id: 'v' },
      options: {},
    });
    (first.params.mix as { vocals_gain_db: number }).vocals_gain_db = 3;
    expect(withDefaults('dub', {}, {}).params.mix).toEqual({
      vocals_gain_db: 0,
      background_gain_db: 0,
    });
    expect(withDefaults('music', { output_format: 'pcm_44100' }, { stream: true })).toEqual({
      params: { output_format: 'pcm_44100' },
      options: { stream: true, detailed: false },
    });
  });
});
