import { z } from 'zod';
import { webhookTargetSchema } from '../webhooks/webhook-target.ts';

/**
 * The fields every job request shares, whatever its type. Type-specific `params`, `input` and
 * `options` live in the type's own schema module.
 */

/** Upstream seeds outside the music endpoints: 0 – 4,294,967,295 (upstream.md). */
export const UINT32_MAX = 4_294_967_295;
export const seedSchema = z.number().int().min(0).max(UINT32_MAX);

/**
 * Caller's id for the item. It becomes a folder name in CLI downloads (`DIR/<custom_id>/…`), so
 * path tricks are refused here rather than escaped later.
 */
export const customIdSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\w\-.:@+=/ ]+$/, 'may hold letters, digits, spaces and - _ . : @ + = / only')
  .refine(
    (value) =>
      !value.startsWith('/') && value.split('/').every((s) => s !== '..' && s !== '.' && s !== ''),
    'must be a relative path without empty, "." or ".." segments',
  );

/**
 * Metadata travels into logs, webhooks, CSV-minded tools and file names: no control characters
 * (NUL included), and no lone UTF-16 surrogates, which no UTF-8 consumer can represent.
 */
const CONTROL_OR_LONE_SURROGATE =
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const cleanText = (schema: z.ZodString) =>
  schema.refine((value) => !CONTROL_OR_LONE_SURROGATE.test(value), {
    message: 'must not hold control characters or unpaired surrogates',
  });

const metadataValue = z.union([
  cleanText(z.string().max(1_000)),
  z.number(),
  z.boolean(),
  z.null(),
]);

/** Caller's free-form labels, kept small: they travel with every job read. */
export const metadataSchema = z
  .record(cleanText(z.string().min(1).max(64)), metadataValue)
  .refine((value) => Object.keys(value).length <= 50, 'may hold at most 50 keys')
  .refine((value) => JSON.stringify(value).length <= 16_384, 'may be at most 16 KiB as JSON');

export const cacheModeSchema = z
  .enum(['use', 'bypass'])
  .default('use')
  .describe(
    'use: answer from a stored result with the same fingerprint; bypass: always call upstream',
  );

/**
 * Input audio: an upload of the caller's, or an https URL the worker fetches (private and
 * loopback addresses refused unless configured).
 */
export const audioInputSchema = z
  .object({
    upload_id: z
      .string()
      .regex(/^upl_[0-9a-z]{26}$/, 'must be an upload id (upl_…)')
      .optional(),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2_048)
      .optional(),
  })
  .strict()
  .refine((input) => (input.upload_id === undefined) !== (input.url === undefined), {
    message: 'give exactly one of upload_id or url',
  });
export type AudioInput = z.infer<typeof audioInputSchema>;

/**
 * Fields of the upstream's request that our schemas do not know (a newer SDK's, say), kept as
 * sent and passed to the upstream untouched: `body` for JSON body or form fields, `query` for
 * query parameters. The gateway fills it (issue 12); it is part of the fingerprint, since the
 * upstream's answer may depend on it.
 */
export const upstreamExtraSchema = z
  .object({
    body: z.record(z.string().min(1).max(256), z.unknown()).optional(),
    query: z.record(z.string().min(1).max(256), z.string().max(8_192)).optional(),
  })
  .strict()
  .refine((extra) => JSON.stringify(extra).length <= 65_536, 'may be at most 64 KiB as JSON');
export type UpstreamExtra = z.infer<typeof upstreamExtraSchema>;

export const envelopeFields = {
  custom_id: customIdSchema.optional(),
  metadata: metadataSchema.optional(),
  cache: cacheModeSchema,
  /** Receives job.succeeded / job.failed / job.canceled (not part of the fingerprint). */
  webhook: webhookTargetSchema.optional(),
  upstream_extra: upstreamExtraSchema.optional(),
};
