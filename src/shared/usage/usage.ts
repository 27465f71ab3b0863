import { z } from 'zod';

/**
 * What upstream calls cost, summed: per job, per batch and per tenant the same three figures.
 * `characters` is the sum of the `character-cost` headers (the credits the upstream billed),
 * `calls` every call that went out, `billed_calls` those that came back with a cost, whether
 * their body then arrived whole or not (a reset after the headers is billed all the same).
 */
export const usageSchema = z.object({
  characters: z.number().int().describe('Sum of the character-cost the upstream billed'),
  calls: z.number().int().describe('Upstream calls made, failed ones included'),
  billed_calls: z.number().int().describe('Calls that came back with a character-cost'),
});
export type Usage = z.infer<typeof usageSchema>;

/** No calls yet. Frozen: shared by every fresh record (its JSON is encoded once). */
export const NO_USAGE: Usage = Object.freeze({ characters: 0, calls: 0, billed_calls: 0 });

/**
 * One upstream call as job.json records it: what its response headers said, whether the call
 * then succeeded or failed. A call that never got headers (network failure) has nulls.
 */
export const upstreamCallSchema = z.object({
  attempt: z.number().int(),
  run_id: z.string(),
  at: z.string(),
  endpoint: z.string(),
  status: z.number().int().nullable(),
  request_id: z.string().nullable(),
  character_cost: z.number().int().nullable(),
  character_count: z.number().int().nullable(),
  history_item_id: z.string().nullable(),
  song_id: z.string().nullable(),
});
export type UpstreamCallRecord = z.infer<typeof upstreamCallSchema>;

/** A header's whole number, or null when absent or not one. */
export function headerInt(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) && parsed >= 0 ? parsed : null;
}
