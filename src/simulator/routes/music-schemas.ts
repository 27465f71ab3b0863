import { z } from 'zod';

/**
 * The music endpoints' request bodies as the upstream's pydantic models read them: unknown
 * fields are ignored, `null` means absent where the OpenAPI page allows it. Limits from
 * upstream.md; the `music_v2` chunk shape from the official SDK (the seed page predates it).
 */

/** Models the upstream knows; the v2 family takes `chunks` plans, music_v1 `sections`. */
export const MUSIC_MODELS = ['music_v1', 'music_v2', 'music_v2_5'] as const;
export type MusicModel = (typeof MUSIC_MODELS)[number];

/** `output_format` of all three compose endpoints (the SDK's MusicComposeRequestOutputFormat). */
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

/** What `auto` (the default) stands for, per model (the SDK's doc of `output_format`). */
export function resolveMusicFormat(name: string, model: MusicModel): string {
  if (name !== 'auto') return name;
  return model === 'music_v1' ? 'mp3_44100_128' : 'mp3_48000_192';
}

const int = z.number().int();
const styles = z.array(z.string()).max(50);
const duration = int.min(3_000).max(120_000);
const timeRange = z.object({ start_ms: int, end_ms: int });

/** A `music_v1` section (`SongSection`). */
export const songSectionSchema = z.object({
  section_name: z.string().min(1).max(100),
  positive_local_styles: styles,
  negative_local_styles: styles,
  duration_ms: duration,
  lines: z.array(z.string().max(200)).max(30),
  source_from: z
    .object({
      song_id: z.string(),
      range: timeRange,
      negative_ranges: z.array(timeRange).max(10).optional(),
    })
    .nullable()
    .optional(),
});

/** A `music_v1` plan (`MusicPrompt`). */
export const sectionPlanSchema = z.object({
  positive_global_styles: styles,
  negative_global_styles: styles,
  sections: z.array(songSectionSchema).min(1).max(30),
});
export type SectionPlan = z.infer<typeof sectionPlanSchema>;

const audioRef = z.object({ song_id: z.string(), range: timeRange });
const level = z.enum(['low', 'medium', 'high']);

/** A `music_v2` chunk to generate (the SDK's `GenerationChunkInput`). */
export const generationChunkSchema = z.object({
  text: z.string(),
  duration_ms: duration,
  positive_styles: styles,
  negative_styles: styles.optional(),
  context_adherence: level.optional(),
  conditioning_ref: audioRef.optional(),
  condition_strength: z.enum(['low', 'medium', 'high', 'xhigh']).optional(),
});
export type GenerationChunk = z.infer<typeof generationChunkSchema>;

/** A `music_v2` plan (`CompositionPlan`): generation chunks and audio references. */
export const chunkPlanSchema = z.object({
  chunks: z
    .array(z.union([generationChunkSchema, audioRef]))
    .min(1)
    .max(30),
});
export type ChunkPlan = z.infer<typeof chunkPlanSchema>;

export type SimPlan = SectionPlan | ChunkPlan;

/**
 * The model of a request that names none. Since the upstream stopped wanting a default
 * `model_id`, a plan's shape picks the family (`chunks`: music_v2); otherwise music_v1.
 */
export function defaultMusicModel(plan: unknown): MusicModel {
  const isChunks =
    typeof plan === 'object' && plan !== null && 'chunks' in plan && !('sections' in plan);
  return isChunks ? 'music_v2' : 'music_v1';
}

/** The plan schema for `model`: the upstream reads the plan as the model's shape. */
export function planSchemaFor(model: MusicModel): z.ZodType<SimPlan> {
  return model === 'music_v1' ? sectionPlanSchema : chunkPlanSchema;
}

/** Body of `POST /v1/music[/stream|/detailed]`; the plan is checked against the model after. */
export const composeBodySchema = z.object({
  prompt: z.string().max(4_100).nullable().optional(),
  composition_plan: z.unknown().optional(),
  music_length_ms: int.min(3_000).max(600_000).nullable().optional(),
  model_id: z.enum(MUSIC_MODELS).optional(),
  force_instrumental: z.boolean().optional(),
  respect_sections_durations: z.boolean().optional(),
  store_for_inpainting: z.boolean().optional(),
  seed: int.min(0).max(2_147_483_647).nullable().optional(),
  /** Word timestamps in the detailed response (newer than the seed page). */
  with_timestamps: z.boolean().optional(),
  /** C2PA content credentials on the audio (newer than the seed page). */
  sign_with_c2pa: z.boolean().optional(),
});

/** Body of `POST /v1/music/plan`. */
export const planBodySchema = z.object({
  prompt: z.string().max(4_100),
  music_length_ms: int.min(3_000).max(600_000).nullable().optional(),
  source_composition_plan: z.unknown().optional(),
  model_id: z.enum(MUSIC_MODELS).optional(),
});

/** Total duration of a plan, ms (an audio reference lasts as long as its range). */
export function simPlanDurationMs(plan: SimPlan): number {
  if ('sections' in plan) return plan.sections.reduce((sum, s) => sum + s.duration_ms, 0);
  return plan.chunks.reduce(
    (sum, chunk) =>
      sum + ('text' in chunk ? chunk.duration_ms : chunk.range.end_ms - chunk.range.start_ms),
    0,
  );
}
