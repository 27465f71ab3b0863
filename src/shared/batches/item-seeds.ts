import { createHash } from 'node:crypto';
import type { JobRequest } from '../jobs/job-request.ts';
import { INT31_MAX, seedFor } from '../jobs/seed-policy.ts';

/**
 * Item seeds: a pure function of the batch seed and the item's custom_id, so submitting the
 * same batch again with the same seed gives every item the seed it had, hence the same
 * fingerprint, hence (through the result cache) the same bytes. Keyed by custom_id rather
 * than position, so reordering or adding items leaves the others' seeds alone.
 */

/** The first four bytes of sha256(`{batchSeed}:{customId}`), as an unsigned 32-bit integer. */
export function deriveSeed(batchSeed: number, customId: string): number {
  return createHash('sha256').update(`${batchSeed}:${customId}`).digest().readUInt32BE(0);
}

/**
 * The seed an item sends upstream, under the per-type rules of `seedFor`: none where the
 * upstream takes none (music in prompt mode, plans, stems), the caller's explicit
 * `params.seed` where given, otherwise the derived seed, folded into int31 for music (whose
 * endpoints take seeds up to 2^31 − 1).
 */
export function itemSeed(request: JobRequest, batchSeed: number, customId: string): number | null {
  // seedFor answers "none", "the caller's" or "pick one"; only the last is ours to derive.
  const policy = seedFor(request);
  if (policy === null) return null;
  const explicit = (request.params as { seed?: number }).seed;
  if (explicit !== undefined) return explicit;
  const derived = deriveSeed(batchSeed, customId);
  return request.type === 'music' ? derived % (INT31_MAX + 1) : derived;
}
