import { z } from 'zod';

/**
 * Composition plans, the structured alternative to a music prompt. Two shapes exist upstream:
 * `music_v1` takes `{positive_global_styles, negative_global_styles, sections}` (seeds/004,
 * `MusicPrompt`; limits from upstream.md), `music_v2` takes `{chunks}` (not on the seed page:
 * shape and limits from the official SDK's `CompositionPlan`; where it states none, v1's apply).
 */

/**
 * Music models known here: music_v1 takes `sections` plans, the v2 family `chunks` plans.
 * Others pass through (upstream-fields.ts), their plan shape left to the upstream.
 */
export const MUSIC_MODELS = ['music_v1', 'music_v2', 'music_v2_5'] as const;
export type MusicModel = (typeof MUSIC_MODELS)[number];

/**
 * The model a request without `model_id` is taken for (not sent: the upstream deprecated a
 * default there and picks its own). A plan's shape names its family; a prompt is read as
 * music_v1, the one model the seed page lists. Used only to name what `auto` output will be.
 */
export function assumedMusicModel(
  model: string | undefined,
  plan: CompositionPlan | undefined,
): string {
  return model ?? (plan ? planModelOf(plan) : 'music_v1');
}

export const MIN_SECTION_MS = 3_000;
export const MAX_SECTION_MS = 120_000;
const MAX_STYLES = 50;
const MAX_PARTS = 30;
const MAX_LINES = 30;
const MAX_LINE_CHARS = 200;

const styles = z.array(z.string()).max(MAX_STYLES);
const durationMs = z.number().int().min(MIN_SECTION_MS).max(MAX_SECTION_MS);

/** A span of an earlier song, in ms. An empty or reversed range selects nothing: refused. */
export const timeRangeSchema = z
  .object({ start_ms: z.number().int().min(0), end_ms: z.number().int().min(0) })
  .strict()
  .refine((range) => range.end_ms > range.start_ms, {
    message: 'end_ms must be greater than start_ms',
    path: ['end_ms'],
  });

/** v1 inpainting: take a section from a stored song (`song-id` of an earlier generation). */
export const sectionSourceSchema = z
  .object({
    song_id: z.string().min(1),
    range: timeRangeSchema,
    negative_ranges: z.array(timeRangeSchema).max(10).optional(),
  })
  .strict();

/** A v1 section: its name, local styles, length and lyrics (`SongSection` upstream). */
export const songSectionSchema = z
  .object({
    section_name: z.string().min(1).max(100),
    positive_local_styles: styles,
    negative_local_styles: styles,
    duration_ms: durationMs,
    lines: z.array(z.string().max(MAX_LINE_CHARS)).max(MAX_LINES),
    source_from: sectionSourceSchema.nullable().optional(),
  })
  .strict();

const level = z.enum(['low', 'medium', 'high']);

/** A span of an earlier song (`song-id` of its generation), as v2 chunks refer to it. */
export const audioRefSchema = z
  .object({ song_id: z.string().min(1), range: timeRangeSchema })
  .strict();

const GENERATION_KEYS = ['text', 'duration_ms', 'positive_styles'] as const;
const REFERENCE_KEYS = ['song_id', 'range'] as const;

/**
 * A `music_v2` chunk: generated (`text` — an optional `[Section name]`, then lyrics lines —,
 * `duration_ms`, styles…) or taken from an earlier song (`song_id`, `range`). One object whose
 * kind's required keys are checked after, rather than a zod union: a union's error names only
 * the chunk, this names the very field.
 */
export const compositionChunkSchema = z
  .object({
    text: z.string().superRefine(checkChunkText).optional(),
    duration_ms: durationMs.optional(),
    positive_styles: styles.optional(),
    negative_styles: styles.optional(),
    context_adherence: level.optional(),
    conditioning_ref: audioRefSchema.optional(),
    condition_strength: z.enum(['low', 'medium', 'high', 'xhigh']).optional(),
    song_id: z.string().min(1).optional(),
    range: timeRangeSchema.optional(),
  })
  .strict()
  .superRefine((chunk, ctx) => {
    const reference = chunk.song_id !== undefined || chunk.range !== undefined;
    const required = reference ? REFERENCE_KEYS : GENERATION_KEYS;
    for (const key of required) {
      if (chunk[key] === undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: 'is required' });
    }
    if (!reference) return;
    for (const key of Object.keys(chunk)) {
      if ((REFERENCE_KEYS as readonly string[]).includes(key)) continue;
      const message = 'is not part of an audio reference chunk {song_id, range}';
      ctx.addIssue({ code: 'custom', path: [key], message });
    }
    const length = chunk.range ? chunk.range.end_ms - chunk.range.start_ms : MIN_SECTION_MS;
    if (length < MIN_SECTION_MS || length > MAX_SECTION_MS) {
      const message = `must span ${MIN_SECTION_MS}–${MAX_SECTION_MS} ms, like a generated chunk`;
      ctx.addIssue({ code: 'custom', path: ['range'], message });
    }
  });
export type CompositionChunk = z.infer<typeof compositionChunkSchema>;

/**
 * A composition plan of either shape: `{positive_global_styles, negative_global_styles,
 * sections}` for music_v1, `{chunks}` for music_v2. One object, the shape checked after (see
 * compositionChunkSchema for why).
 */
export const compositionPlanSchema = z
  .object({
    positive_global_styles: styles.optional(),
    negative_global_styles: styles.optional(),
    sections: z.array(songSectionSchema).min(1).max(MAX_PARTS).optional(),
    chunks: z.array(compositionChunkSchema).min(1).max(MAX_PARTS).optional(),
  })
  .strict()
  .superRefine((plan, ctx) => {
    const problem = (path: string[], message: string): void =>
      ctx.addIssue({ code: 'custom', path, message });
    if (plan.sections === undefined && plan.chunks === undefined) {
      problem([], 'needs sections (a music_v1 plan) or chunks (a music_v2 plan)');
    } else if (plan.sections !== undefined && plan.chunks !== undefined) {
      return problem(['chunks'], 'a plan has sections (music_v1) or chunks (music_v2), not both');
    }
    for (const key of ['positive_global_styles', 'negative_global_styles'] as const) {
      if (plan.chunks !== undefined && plan[key] !== undefined) {
        problem([key], 'belongs to music_v1 plans; music_v2 chunks carry their own styles');
      } else if (plan.sections !== undefined && plan[key] === undefined) {
        problem([key], 'is required');
      }
    }
  });
export type CompositionPlan = z.infer<typeof compositionPlanSchema>;

/** Which model family a plan's shape belongs to. */
export function planModelOf(plan: CompositionPlan): 'music_v1' | 'music_v2' {
  return plan.sections === undefined && plan.chunks !== undefined ? 'music_v2' : 'music_v1';
}

/**
 * The issue message when a plan's shape does not fit a known model, or null when it does. No
 * model, or one not known here: the upstream judges the shape.
 */
export function planShapeProblem(plan: CompositionPlan, model: string | undefined): string | null {
  if (!isKnownMusicModel(model)) return null;
  const family = model === 'music_v1' ? 'music_v1' : 'music_v2';
  if (planModelOf(plan) === family) return null;
  return family === 'music_v1'
    ? 'music_v1 takes a plan with `sections`; a `chunks` plan needs a v2 model (music_v2)'
    : `${model} takes a plan with \`chunks\`; a \`sections\` plan needs model_id music_v1`;
}

function isKnownMusicModel(model: string | undefined): model is MusicModel {
  return (MUSIC_MODELS as readonly (string | undefined)[]).includes(model);
}

/** Total length of the song a plan describes, ms (an audio reference lasts its range). */
export function planDurationMs(plan: CompositionPlan): number {
  const sections = plan.sections ?? [];
  const chunks = plan.chunks ?? [];
  return (
    sections.reduce((sum, section) => sum + section.duration_ms, 0) +
    chunks.reduce(
      (sum, chunk) =>
        sum + (chunk.range ? chunk.range.end_ms - chunk.range.start_ms : (chunk.duration_ms ?? 0)),
      0,
    )
  );
}

/** The SDK's rules for chunk text: section name 1–100 chars, ≤ 30 lines of ≤ 200 chars. */
function checkChunkText(text: string, ctx: z.RefinementCtx): void {
  let body = text;
  const header = /^\[([^\]\n]*)\]\n?/.exec(text);
  if (header) {
    const name = header[1] ?? '';
    if (name.length < 1 || name.length > 100) {
      ctx.addIssue({ code: 'custom', message: 'the section name must be 1–100 characters' });
    }
    body = text.slice(header[0].length);
  }
  const lines = body === '' ? [] : body.split('\n');
  if (lines.length > MAX_LINES) {
    ctx.addIssue({ code: 'custom', message: `may hold at most ${MAX_LINES} lines` });
  }
  if (lines.some((line) => line.length > MAX_LINE_CHARS)) {
    ctx.addIssue({ code: 'custom', message: `lines may be at most ${MAX_LINE_CHARS} characters` });
  }
}
