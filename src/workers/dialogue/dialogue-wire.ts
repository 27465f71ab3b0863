import { z } from 'zod';

/**
 * What the timestamped dialogue endpoints answer (seeds/004, upstream.md "Timestamped
 * dialogue"): `/with-timestamps` one such object, `/stream/with-timestamps` one per NDJSON line,
 * each carrying a chunk of the audio. Unknown keys are ignored, as the SDK does, so an upstream
 * that adds fields does not fail jobs.
 */

export const characterAlignmentSchema = z.object({
  characters: z.array(z.string()),
  character_start_times_seconds: z.array(z.number()),
  character_end_times_seconds: z.array(z.number()),
});
export type CharacterAlignment = z.infer<typeof characterAlignmentSchema>;

export const voiceSegmentSchema = z.object({
  voice_id: z.string(),
  start_time_seconds: z.number(),
  end_time_seconds: z.number(),
  character_start_index: z.number().int(),
  /** Exclusive. */
  character_end_index: z.number().int(),
  dialogue_input_index: z.number().int(),
});
export type VoiceSegment = z.infer<typeof voiceSegmentSchema>;

export const dialogueChunkSchema = z.object({
  audio_base64: z.string(),
  alignment: characterAlignmentSchema.nullish(),
  normalized_alignment: characterAlignmentSchema.nullish(),
  // Required by the spec; tolerated absent on a chunk (an audio-only line).
  voice_segments: z.array(voiceSegmentSchema).default([]),
});
export type DialogueChunk = z.infer<typeof dialogueChunkSchema>;

/** The reassembled timing: one document with absolute times, however the upstream sent it. */
export const timestampsDocumentSchema = z.object({
  alignment: characterAlignmentSchema.nullable(),
  normalized_alignment: characterAlignmentSchema.nullable(),
  voice_segments: z.array(voiceSegmentSchema),
});
export type TimestampsDocument = z.infer<typeof timestampsDocumentSchema>;
