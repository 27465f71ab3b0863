import { z } from 'zod';
import { DEFAULT_OUTPUT_FORMAT } from './output-formats.ts';
import { audioInputSchema, envelopeFields } from './request-envelope.ts';

/**
 * `stem_separation`: `POST /v1/music/stem-separation` (seeds/004, "Stem Separation"). The
 * upstream takes no seed here, so none is sent or recorded; reruns are made identical by the
 * fingerprint cache.
 */

export const STEM_VARIATIONS = ['two_stems_v1', 'six_stems_v1'] as const;
/** Not stated upstream; six stems is what the product promises by default. */
export const DEFAULT_STEM_VARIATION = 'six_stems_v1';

/** `output_format` values of this endpoint, as its OpenAPI page lists them (no `wav_*`). */
export const STEM_SEPARATION_OUTPUT_FORMATS = [
  'mp3_22050_32',
  'mp3_24000_48',
  'mp3_44100_32',
  'mp3_44100_64',
  'mp3_44100_96',
  'mp3_44100_128',
  'mp3_44100_192',
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

export const stemSeparationParamsSchema = z
  .object({
    stem_variation_id: z.enum(STEM_VARIATIONS).default(DEFAULT_STEM_VARIATION),
    /** C2PA content credentials; the upstream applies them to mp3 only (and ignores the rest). */
    sign_with_c2pa: z.boolean().default(false),
    /** A query parameter upstream. */
    output_format: z.enum(STEM_SEPARATION_OUTPUT_FORMATS).default(DEFAULT_OUTPUT_FORMAT),
  })
  .strict();

/** No variants: one endpoint, one response shape. */
export const stemSeparationOptionsSchema = z.object({}).strict().prefault({});

export const stemSeparationRequestSchema = z
  .object({
    type: z.literal('stem_separation'),
    // Every param has a default, so a request may leave `params` out altogether.
    params: stemSeparationParamsSchema.prefault({}),
    input: audioInputSchema,
    options: stemSeparationOptionsSchema,
    ...envelopeFields,
  })
  .strict();

export type StemSeparationRequest = z.output<typeof stemSeparationRequestSchema>;
