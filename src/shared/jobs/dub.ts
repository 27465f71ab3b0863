import { z } from 'zod';
import {
  DEFAULT_OUTPUT_FORMAT,
  SPEECH_OUTPUT_FORMATS,
  type SpeechOutputFormat,
} from './output-formats.ts';
import { audioInputSchema, envelopeFields, seedSchema } from './request-envelope.ts';
import { speechToSpeechParamsSchema, speechVoiceSettingsSchema } from './speech-to-speech.ts';
import { STEM_VARIATIONS } from './stem-separation.ts';
import { upstreamNullable } from './upstream-fields.ts';

/**
 * `dub`: stem separation → speech-to-speech on the vocals → a mix of the converted voice with
 * the separated background, one job whose steps are BullMQ jobs of a flow (workers/dub).
 */

/** Two stems is what a dub needs: the voice and everything else. */
export const DEFAULT_DUB_STEM_VARIATION = 'two_stems_v1';

/**
 * What the mix encodes, from the one catalog: mp3 and wav (the container carries its rate, so
 * ffmpeg decodes the steps' answers without being told; raw pcm/ulaw/opus would need more and
 * buy nothing here).
 */
export const DUB_OUTPUT_FORMATS = SPEECH_OUTPUT_FORMATS.filter(
  (format): format is Extract<SpeechOutputFormat, `mp3_${string}` | `wav_${string}`> =>
    format.startsWith('mp3_') || format.startsWith('wav_'),
);

const gainDb = z.number().min(-60).max(24);

export const dubMixSchema = z
  .object({
    vocals_gain_db: gainDb.default(0),
    background_gain_db: gainDb.default(0),
    /** Integrated loudness target (EBU R128); absent = no normalization. */
    loudness_lufs: z.number().min(-70).max(-5).optional(),
  })
  .strict();

const stsParams = speechToSpeechParamsSchema.shape;

export const dubParamsSchema = z
  .object({
    voice_id: stsParams.voice_id,
    model_id: stsParams.model_id,
    seed: upstreamNullable(seedSchema),
    voice_settings: upstreamNullable(speechVoiceSettingsSchema),
    remove_background_noise: z.boolean().default(false),
    stem_variation_id: z.enum(STEM_VARIATIONS).default(DEFAULT_DUB_STEM_VARIATION),
    output_format: z.enum(DUB_OUTPUT_FORMATS).default(DEFAULT_OUTPUT_FORMAT),
    mix: dubMixSchema.prefault({}),
  })
  .strict();

export const dubOptionsSchema = z.object({}).strict().prefault({});

export const dubRequestSchema = z
  .object({
    type: z.literal('dub'),
    params: dubParamsSchema,
    input: audioInputSchema,
    options: dubOptionsSchema,
    ...envelopeFields,
  })
  .strict();

export type DubRequest = z.output<typeof dubRequestSchema>;
export type DubParams = DubRequest['params'];
