import { z } from 'zod';

/**
 * Field shapes that keep intake forward compatible with the upstream: refuse only what it
 * would certainly refuse, pass through what a newer upstream may accept (issue 11, item 7).
 */

/**
 * A model id. The known ones are documented; a newer one is passed through and the upstream
 * decides (a typo comes back as its `model_not_found`, named on the failed job).
 */
export function modelIdSchema(known: readonly string[]) {
  return z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be a model id (letters, digits, _ . -)')
    .describe(`Known: ${known.join(', ')}; newer upstream models are passed through`);
}

/**
 * A field the upstream declares nullable: `null` is accepted, as the upstream accepts it, and
 * read as absent (what the upstream makes of it), so a request with `null` is the same job,
 * fingerprint included, as one without the field.
 */
export function upstreamNullable<T extends z.ZodType>(schema: T) {
  return schema
    .nullish()
    .transform((value): z.output<T> | undefined => value ?? undefined)
    .optional();
}
