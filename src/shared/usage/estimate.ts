import { z } from 'zod';
import type { JobRequest } from '../jobs/job-request.ts';
import type { ResolvedInput } from '../jobs/job-record.ts';
import { characterCount } from '../jobs/text-to-dialogue.ts';
import { isRawPcmType } from '../uploads/audio-sniff.ts';

/** Characters billed per minute of audio where the upstream bills by duration (config). */
export interface PriceTable {
  speechToSpeechPerMinute: number;
  musicPerMinute: number;
  stemsPerMinute: number;
}

/** The price table as configured. */
export function pricesOf(config: {
  ESTIMATE_STS_CHARACTERS_PER_MINUTE: number;
  ESTIMATE_MUSIC_CHARACTERS_PER_MINUTE: number;
  ESTIMATE_STEMS_CHARACTERS_PER_MINUTE: number;
}): PriceTable {
  return {
    speechToSpeechPerMinute: config.ESTIMATE_STS_CHARACTERS_PER_MINUTE,
    musicPerMinute: config.ESTIMATE_MUSIC_CHARACTERS_PER_MINUTE,
    stemsPerMinute: config.ESTIMATE_STEMS_CHARACTERS_PER_MINUTE,
  };
}

/**
 * A job's estimate, recorded at intake beside the usage its calls then add up to: what the
 * request should have cost, so a finished job shows how far the two differed.
 */
export const jobEstimateSchema = z.object({
  characters: z
    .number()
    .int()
    .nullable()
    .describe('What the request should cost (estimate.ts); null when unknown before a run'),
});
export type JobEstimate = z.infer<typeof jobEstimateSchema>;

/** The estimate of a record written before estimates: not known. Frozen (shared, encoded once). */
export const UNKNOWN_ESTIMATE: JobEstimate = Object.freeze({ characters: null });

/**
 * What a batch should cost, as its dry run answers: the sum of the items' estimates
 * (`unknown_items` had none: speech-to-speech or stems input whose duration is not known
 * before a run), and each item's.
 */
export const batchEstimateSchema = z.object({
  characters: z.number().int(),
  unknown_items: z.number().int(),
  items: z.array(
    z.object({
      index: z.number().int(),
      custom_id: z.string().nullable(),
      characters: z.number().int().nullable(),
    }),
  ),
});
export type BatchEstimate = z.infer<typeof batchEstimateSchema>;

/** Every item's estimate and their sum: what a batch dry run answers and a batch records. */
export function estimateItems(
  items: readonly { request: JobRequest; input: ResolvedInput | null }[],
  prices: PriceTable,
): BatchEstimate {
  let characters = 0;
  let unknown = 0;
  const each = items.map(({ request, input }, index) => {
    const estimate = estimateCharacters(request, input, prices);
    if (estimate === null) unknown += 1;
    else characters += estimate;
    return { index, custom_id: request.custom_id ?? null, characters: estimate };
  });
  return { characters, unknown_items: unknown, items: each };
}

/** `pcm_s16le_16` input: 16-bit mono at 16 kHz, bytes per second. */
const RAW_PCM_BYTES_PER_SECOND = 32_000;

/**
 * What a request should cost, computed from the request alone (no upstream call): dialogue
 * bills the characters of its texts; music its length (given, or the sum of its plan); a plan
 * nothing. Speech-to-speech and stems bill the input's duration, which is known before a run
 * only for raw PCM input (its size says it); for other inputs the estimate is null (unknown).
 */
export function estimateCharacters(
  request: JobRequest,
  input: Pick<ResolvedInput, 'bytes' | 'content_type'> | null,
  prices: PriceTable,
): number | null {
  switch (request.type) {
    case 'text_to_dialogue':
      return request.params.inputs.reduce((sum, line) => sum + characterCount(line.text), 0);
    case 'music_plan':
      return 0;
    case 'music': {
      const ms = request.params.music_length_ms ?? planMs(request.params.composition_plan);
      return ms === null ? null : perMinute(ms / 1000, prices.musicPerMinute);
    }
    case 'speech_to_speech':
      return byInputDuration(input, prices.speechToSpeechPerMinute);
    case 'stem_separation':
      return byInputDuration(input, prices.stemsPerMinute);
    case 'dub':
      // Both upstream steps bill the input's length; a step from the step cache bills nothing.
      return byInputDuration(input, prices.stemsPerMinute + prices.speechToSpeechPerMinute);
  }
}

function perMinute(seconds: number, price: number): number {
  return Math.ceil((seconds / 60) * price);
}

function byInputDuration(
  input: Pick<ResolvedInput, 'bytes' | 'content_type'> | null,
  price: number,
): number | null {
  if (input?.bytes == null || !isRawPcmType(input.content_type ?? undefined)) return null;
  return perMinute(input.bytes / RAW_PCM_BYTES_PER_SECOND, price);
}

/** A composition plan's length: its sections' or chunks' durations (a span: its range). */
function planMs(plan: unknown): number | null {
  if (typeof plan !== 'object' || plan === null) return null;
  const parts =
    (plan as { sections?: unknown[]; chunks?: unknown[] }).sections ??
    (plan as { chunks?: unknown[] }).chunks ??
    [];
  let total = 0;
  for (const part of parts as { duration_ms?: number; range?: Span; audio?: { range?: Span } }[]) {
    const span = part.range ?? part.audio?.range;
    total += part.duration_ms ?? (span ? span.end_ms - span.start_ms : 0);
  }
  return total > 0 ? total : null;
}

interface Span {
  start_ms: number;
  end_ms: number;
}
