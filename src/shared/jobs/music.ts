import { z } from 'zod';
import { compositionPlanSchema, MUSIC_MODELS, planShapeProblem } from './composition-plan.ts';
import { envelopeFields } from './request-envelope.ts';
import { modelIdSchema, upstreamNullable } from './upstream-fields.ts';

/**
 * `music`: `POST /v1/music`, `/v1/music/stream` and `/v1/music/detailed` (seeds/004 "Compose
 * music"; rules from upstream.md "Limits"). A song comes from a prompt or from a composition
 * plan, never both, and the fields of one mode are errors in the other.
 */

/**
 * `output_format` values of the music endpoints. The seed page's enum is the speech list minus
 * `wav_*`; the official SDK (2.73) adds `auto` and the music-only `mp3_48000_*`, the same on all
 * three endpoints. No `wav_*` anywhere, so the stream variant needs no extra rule.
 */
export const MUSIC_OUTPUT_FORMATS = [
  'auto',
  'mp3_22050_32',
  'mp3_24000_48',
  'mp3_44100_32',
  'mp3_44100_64',
  'mp3_44100_96',
  'mp3_44100_128',
  'mp3_44100_192',
  'mp3_48000_128',
  'mp3_48000_192',
  'mp3_48000_240',
  'mp3_48000_320',
  'pcm_8000',
  'pcm_16000',
  'pcm_22050',
  'pcm_24000',
  'pcm_32000',
  'pcm_44100',
  'pcm_48000',
  'ulaw_8000',
  'alaw_8000',
  'opus_48000_32',
  'opus_48000_64',
  'opus_48000_96',
  'opus_48000_128',
  'opus_48000_192',
] as const;
export type MusicOutputFormat = (typeof MUSIC_OUTPUT_FORMATS)[number];

/**
 * The SDK: `auto` (the default) picks mp3_44100_128 for v1 models, mp3_48000_192 for v2 (and,
 * by the same rule, for newer ones). `model`: as assumedMusicModel names it.
 */
export function resolveMusicOutputFormat(format: MusicOutputFormat, model: string): string {
  if (format !== 'auto') return format;
  return model === 'music_v1' ? 'mp3_44100_128' : 'mp3_48000_192';
}

/** Music seeds are int31, unlike the uint32 of the speech endpoints (upstream.md). */
export const musicSeedSchema = z.number().int().min(0).max(2_147_483_647);

export const musicParamsSchema = z
  .object({
    prompt: upstreamNullable(z.string().min(1).max(4_100)),
    composition_plan: upstreamNullable(compositionPlanSchema),
    /** Prompt mode only; without it the upstream picks a length. */
    music_length_ms: upstreamNullable(z.number().int().min(3_000).max(600_000)),
    /** No default: the upstream deprecated sending one, and picks its own when absent. */
    model_id: modelIdSchema(MUSIC_MODELS).optional(),
    /** Prompt mode only. */
    force_instrumental: z.boolean().optional(),
    /** Plan mode; v2 models always keep section durations, so it matters for music_v1 only. */
    respect_sections_durations: z.boolean().optional(),
    /** Keeps the song upstream for inpainting; its id comes back in the `song-id` header. */
    store_for_inpainting: z.boolean().optional(),
    /** Plan mode only (an error with a prompt upstream). */
    seed: upstreamNullable(musicSeedSchema),
    /** `/v1/music/detailed` only: word timestamps in its JSON part (`words_timestamps`). */
    with_timestamps: z.boolean().optional(),
    /** Signs the audio with C2PA content credentials (mp3 output). */
    sign_with_c2pa: z.boolean().optional(),
    /** A query parameter upstream. */
    output_format: z.enum(MUSIC_OUTPUT_FORMATS).default('auto'),
  })
  .strict();
export type MusicParams = z.infer<typeof musicParamsSchema>;

/** `stream` → `/v1/music/stream`, `detailed` → `/v1/music/detailed` (multipart: audio + JSON). */
export const musicOptionsSchema = z
  .object({ stream: z.boolean().default(false), detailed: z.boolean().default(false) })
  .strict()
  .prefault({});

export const musicRequestSchema = z
  .object({
    type: z.literal('music'),
    params: musicParamsSchema,
    options: musicOptionsSchema,
    ...envelopeFields,
  })
  .strict()
  .superRefine(({ params, options }, ctx) => {
    const problem = (path: (string | number)[], message: string): void => {
      ctx.addIssue({ code: 'custom', path, message });
    };
    for (const [field, message] of modeProblems(params)) problem(['params', field], message);
    if (options.stream && options.detailed) {
      problem(['options'], 'stream and detailed cannot be combined: no such upstream endpoint');
    }
    if (!options.detailed && params.with_timestamps !== undefined) {
      problem(
        ['params', 'with_timestamps'],
        'is accepted by /v1/music/detailed only (set options.detailed)',
      );
    }
    if (options.stream && params.respect_sections_durations !== undefined) {
      problem(
        ['params', 'respect_sections_durations'],
        'is not accepted by /v1/music/stream (leave it out or drop options.stream)',
      );
    }
  });
export type MusicRequest = z.output<typeof musicRequestSchema>;

/** The prompt-versus-plan rules, as [field, message] pairs. */
function modeProblems(params: MusicParams): [keyof MusicParams, string][] {
  const problems: [keyof MusicParams, string][] = [];
  const plan = params.composition_plan;
  if (params.prompt === undefined && plan === undefined) {
    problems.push(['prompt', 'give exactly one of prompt or composition_plan']);
  }
  if (params.prompt !== undefined && plan !== undefined) {
    problems.push(['composition_plan', 'cannot be used together with prompt']);
  }
  if (plan === undefined) {
    if (params.seed !== undefined)
      problems.push(['seed', 'is accepted with a composition_plan only, not with a prompt']);
    return problems;
  }
  const shape = planShapeProblem(plan, params.model_id);
  if (shape) problems.push(['composition_plan', shape]);
  if (params.music_length_ms !== undefined)
    problems.push(['music_length_ms', 'is for prompt mode; a plan’s length is its sections’']);
  if (params.force_instrumental !== undefined)
    problems.push(['force_instrumental', 'is for prompt mode only']);
  return problems;
}
