import { z } from 'zod';
import { DEFAULT_OUTPUT_FORMAT, isWavFormat, speechOutputFormatSchema } from './output-formats.ts';
import { envelopeFields, seedSchema } from './request-envelope.ts';
import { modelIdSchema, upstreamNullable } from './upstream-fields.ts';

/**
 * `text_to_dialogue`: `POST /v1/text-to-dialogue[/stream][/with-timestamps]`. Field names are
 * the upstream's JSON body (seeds/004), plus the `output_format` query parameter. Limits come
 * from upstream.md ("Limits and validation rules") and the SDK's field docs.
 */

/** Models known to speak dialogue; the first is the upstream default. Others pass through. */
export const DIALOGUE_MODELS = ['eleven_v3'] as const;
export const DEFAULT_DIALOGUE_MODEL = 'eleven_v3';

/** "The maximum number of unique voice IDs is 10" (SDK field docs, upstream.md). */
export const DIALOGUE_MAX_VOICES = 10;
/**
 * eleven_v3's hard limit on the total text of all inputs. The upstream recommends ≤ 2,000 for
 * reliable generation (longer may end early); that is advice, 5,000 is where it refuses.
 * Counted in Unicode code points, as the upstream (Python `len`) counts characters.
 */
export const DIALOGUE_MAX_CHARACTERS = 5_000;
/** "You may have up to 3 locators per request". */
export const DIALOGUE_MAX_LOCATORS = 3;

const voiceIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a voice id (letters, digits, - and _)');

export const dialogueInputSchema = z
  .object({
    text: z
      .string()
      .refine((text) => text.trim() !== '', 'must not be empty')
      .describe('What this voice says; eleven_v3 audio tags like [laughs] are allowed'),
    voice_id: voiceIdSchema,
  })
  .strict();

export const dialogueSettingsSchema = z
  .object({ stability: upstreamNullable(z.number().min(0).max(1)) })
  .strict()
  .describe('Only `stability` is accepted by the dialogue endpoints');

export const pronunciationLocatorSchema = z
  .object({
    pronunciation_dictionary_id: z.string().min(1).max(128),
    version_id: upstreamNullable(z.string().min(1).max(128)),
  })
  .strict();

export const textToDialogueParamsSchema = z
  .object({
    inputs: z.array(dialogueInputSchema).min(1),
    model_id: modelIdSchema(DIALOGUE_MODELS).default(DEFAULT_DIALOGUE_MODEL),
    /**
     * Any code the upstream takes (`string | null` in its spec): ISO 639-1 is what eleven_v3
     * documents, but which codes a model supports is the upstream's to say, not ours.
     */
    language_code: upstreamNullable(
      z.string().min(1).max(64).describe('A language code, e.g. "en" (ISO 639-1)'),
    ),
    settings: upstreamNullable(dialogueSettingsSchema),
    pronunciation_dictionary_locators: upstreamNullable(
      z.array(pronunciationLocatorSchema).max(DIALOGUE_MAX_LOCATORS),
    ),
    seed: upstreamNullable(seedSchema),
    apply_text_normalization: z.enum(['auto', 'on', 'off']).default('auto'),
    output_format: speechOutputFormatSchema.default(DEFAULT_OUTPUT_FORMAT),
    /**
     * false = zero-retention mode (enterprise only), a query parameter; sent only when false.
     * No default, so requests without it keep the fingerprints (and cache) they had before it.
     */
    enable_logging: z.boolean().optional(),
  })
  .strict();

/** The four upstream endpoints are the four combinations of these flags. */
export const textToDialogueOptionsSchema = z
  .object({
    stream: z.boolean().default(false),
    with_timestamps: z.boolean().default(false),
  })
  .strict()
  .default({ stream: false, with_timestamps: false });

/** Code points, as the upstream counts characters. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

export const textToDialogueRequestSchema = z
  .object({
    type: z.literal('text_to_dialogue'),
    params: textToDialogueParamsSchema,
    options: textToDialogueOptionsSchema,
    ...envelopeFields,
  })
  .strict()
  .superRefine(({ params, options }, ctx) => {
    const voices = new Set(params.inputs.map((input) => input.voice_id));
    if (voices.size > DIALOGUE_MAX_VOICES) {
      ctx.addIssue({
        code: 'custom',
        path: ['params', 'inputs'],
        message: `may use at most ${DIALOGUE_MAX_VOICES} distinct voice_ids (got ${voices.size})`,
      });
    }
    const total = params.inputs.reduce((sum, input) => sum + characterCount(input.text), 0);
    if (total > DIALOGUE_MAX_CHARACTERS) {
      ctx.addIssue({
        code: 'custom',
        path: ['params', 'inputs'],
        message: `texts total ${total} characters; ${params.model_id} takes at most ${DIALOGUE_MAX_CHARACTERS}`,
      });
    }
    if (options.stream && isWavFormat(params.output_format)) {
      ctx.addIssue({
        code: 'custom',
        path: ['params', 'output_format'],
        message: 'wav formats are not available on the stream endpoints',
      });
    }
  });

export type TextToDialogueRequest = z.output<typeof textToDialogueRequestSchema>;
export type DialogueInput = z.infer<typeof dialogueInputSchema>;
