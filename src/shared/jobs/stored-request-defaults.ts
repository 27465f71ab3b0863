import type { JobType } from './job-types.ts';

/**
 * The values a version-7 record leaves out of its stored request because the intake filled
 * them in as defaults (a dialogue job's `model_id`, `output_format`, `options`, …): 130–150 B
 * of a typical request, which takes the record one allocation size smaller in Redis.
 *
 * Pinned here, not read from the request schemas: a record written today must read back the
 * same request after a release changes a default (its job was accepted with the old one). A
 * unit test checks that this table is what the schemas fill in today; when a default changes,
 * that test fails, and the new default needs a new record version with its own table.
 */
type Defaults = {
  params: Readonly<Record<string, unknown>>;
  options: Readonly<Record<string, unknown>>;
};

const MP3 = 'mp3_44100_128';

export const REQUEST_DEFAULTS_V7: Readonly<Record<JobType, Defaults>> = {
  speech_to_speech: {
    params: {
      model_id: 'eleven_english_sts_v2',
      remove_background_noise: false,
      file_format: 'other',
      output_format: MP3,
      enable_logging: true,
    },
    options: { stream: false },
  },
  text_to_dialogue: {
    params: { model_id: 'eleven_v3', apply_text_normalization: 'auto', output_format: MP3 },
    options: { stream: false, with_timestamps: false },
  },
  music: { params: { output_format: 'auto' }, options: { stream: false, detailed: false } },
  music_plan: { params: {}, options: {} },
  stem_separation: {
    params: { stem_variation_id: 'six_stems_v1', sign_with_c2pa: false, output_format: MP3 },
    options: {},
  },
  dub: {
    params: {
      model_id: 'eleven_english_sts_v2',
      remove_background_noise: false,
      stem_variation_id: 'two_stems_v1',
      output_format: MP3,
      mix: { vocals_gain_db: 0, background_gain_db: 0 },
    },
    options: {},
  },
};

/**
 * `params` and `options` without the entries at their pinned default; `options` left out
 * altogether when nothing else is in it.
 */
export function withoutDefaults(
  type: JobType,
  params: Record<string, unknown>,
  options: Record<string, unknown> | undefined,
): { params: Record<string, unknown>; options?: Record<string, unknown> } {
  const defaults = REQUEST_DEFAULTS_V7[type];
  const keptOptions = options === undefined ? {} : omitEqual(options, defaults.options);
  return {
    params: omitEqual(params, defaults.params),
    ...(Object.keys(keptOptions).length > 0 && { options: keptOptions }),
  };
}

/** What {@link withoutDefaults} left out, put back (a stored value wins over a default). */
export function withDefaults(
  type: JobType,
  params: Record<string, unknown> | undefined,
  options: Record<string, unknown> | undefined,
): { params: Record<string, unknown>; options: Record<string, unknown> } {
  const defaults = REQUEST_DEFAULTS_V7[type] as Defaults | undefined;
  // A type this release does not know (a newer one wrote it): its request as it is.
  if (defaults === undefined) return { params: { ...params }, options: { ...options } };
  const filled: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(defaults.params)) {
    // A copy of a nested default (dub's `mix`): the table is shared by every record read.
    if (params?.[key] === undefined) filled[key] = isObject(value) ? { ...value } : value;
  }
  return { params: { ...filled, ...params }, options: { ...defaults.options, ...options } };
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function omitEqual(
  values: Record<string, unknown>,
  defaults: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key in defaults && sameJson(value, defaults[key])) continue;
    kept[key] = value;
  }
  return kept;
}

/** Whether both have the same JSON text; the common cases (a batch's every item) without it. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string') return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
