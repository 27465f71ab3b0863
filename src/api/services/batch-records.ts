import { itemSeed } from '../../shared/batches/item-seeds.ts';
import { newId } from '../../shared/ids.ts';
import { computeFingerprint } from '../../shared/jobs/fingerprint.ts';
import type { JobRecord, ResolvedInput } from '../../shared/jobs/job-record.ts';
import { withSeed } from '../../shared/jobs/seed-policy.ts';
import type { BatchItem } from './batch-items.ts';

/** Who and what an item's job belongs to. */
export interface ItemContext {
  owner: string;
  /** The owner's cache scope (its own, or its cache group's). */
  cacheScope: string;
  batchId: string;
  batchSeed: number;
  createdAt: string;
}

/**
 * A fresh `queued` record for a valid item, as single-job intake builds one, except for the
 * seed (derived from the batch seed and custom_id) and the batch id. Ids are generated in item
 * order and are monotonic (by the caller, which admits them first), so the batch's job index
 * sorts in item order.
 */
export function itemRecord(
  context: ItemContext,
  item: BatchItem,
  input: ResolvedInput | null,
  id: string = newId('job'),
): JobRecord {
  const seed = itemSeed(item, context.batchSeed, item.custom_id);
  // The seed goes into the normalized request too, so a rerun of `request` is this job.
  const request = withSeed(item, seed);
  return {
    id,
    owner: context.owner,
    type: request.type,
    status: 'queued',
    batch_id: context.batchId,
    custom_id: item.custom_id,
    metadata: request.metadata ?? {},
    created_at: context.createdAt,
    started_at: null,
    finished_at: null,
    attempts: 0,
    seed,
    // A URL input is hashed by the worker once fetched; it fills the fingerprint in then.
    fingerprint: input?.url ? null : computeFingerprint(request, seed, input?.sha256 ?? null),
    cache: null,
    cache_scope: context.cacheScope,
    request,
    input,
    outputs: [],
    upstream: null,
    error: null,
    result: null,
    cancel_requested: false,
  };
}
