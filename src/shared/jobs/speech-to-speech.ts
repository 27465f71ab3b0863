import { z } from 'zod';
import { DEFAULT_OUTPUT_FORMAT, isWavFormat, speechOutputFormatSchema } from './output-formats.ts';
import { audioInputSchema, envelopeFields, seedSchema } from './request-envelope.ts';
import { modelIdSchema, upstreamNullable } from './upstream-fields.ts';

/**
 * `speech_to_speech`: the voice changer, `POST /v1/speech-to-speech/{voice_id}[/stream]`.
 * Field names and ranges are the upstream's (seeds/000, upstream.md "Limits").
 */

export const SPEECH_TO_SPEECH_MODELS = [
  'eleven_multilingual_sts_v2',
  'eleven_english_sts_v2',
] as const;
/** The upstream's own default when `model_id` is absent. */
export const DEFAULT_STS_MODEL = 'eleven_english_sts_v2';

const unit = z.number().min(0).max(1);

export const speechVoiceSettingsSchema = z
  .object({
    stability: unit.optional(),
    similarity_boost: unit.optional(),
    style: unit.optional(),
    use_speaker_boost: z.boolean().optional(),
    speed: z.number().min(0.7).max(1.2).optional(),
  })
  .strict();

export const speechToSpeechParamsSchema = z
  .object({
    voice_id: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9_-]+$/, 'must be a voice id (letters, digits, - and _)'),
    model_id: modelIdSchema(SPEECH_TO_SPEECH_MODELS).default(DEFAULT_STS_MODEL),
    voice_settings: upstreamNullable(speechVoiceSettingsSchema),
    seed: upstreamNullable(seedSchema),
    remove_background_noise: z.boolean().default(false),
    file_format: z.enum(['pcm_s16le_16', 'other']).default('other'),
    output_format: speechOutputFormatSchema.default(DEFAULT_OUTPUT_FORMAT),
    /** false = zero-retention mode (enterprise only); sent only when false. */
    enable_logging: z.boolean().default(true),
    /** Deprecated upstream; passed through when given. */
    optimize_streaming_latency: upstreamNullable(z.number().int().min(0).max(4)),
  })
  .strict();

export const speechToSpeechOptionsSchema = z
  .object({ stream: z.boolean().default(false) })
  .strict()
  .default({ stream: false });

export const speechToSpeechRequestSchema = z
  .object({
    type: z.literal('speech_to_speech'),
    params: speechToSpeechParamsSchema,
    input: audioInputSchema,
    options: speechToSpeechOptionsSchema,
    ...envelopeFields,
  })
  .strict()
  .superRefine((request, ctx) => {
    if (request.options.stream && isWavFormat(request.params.output_format)) {
      ctx.addIssue({
        code: 'custom',
        path: ['params', 'output_format'],
        message: 'wav formats are not available on the stream endpoint',
      });
    }
  });

export type SpeechToSpeechRequest = z.output<typeof speechToSpeechRequestSchema>;
