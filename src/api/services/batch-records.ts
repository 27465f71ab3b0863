import { itemSeed } from '../../shared/batches/item-seeds.ts';
import type { JobRecord, ResolvedInput } from '../../shared/jobs/job-record.ts';
import { newJobRecord } from '../../shared/jobs/new-job-record.ts';
import type { BatchItem } from './batch-items.ts';

/** A valid item with its input, the id admitted for it and its estimate (characters or null). */
export interface NumberedItem {
  request: BatchItem;
  input: ResolvedInput | null;
  id: string;
  estimate: number | null;
}

/** Who and what an item's job belongs to. */
export interface ItemContext {
  owner: string;
  /** The owner's cache scope (its own, or its cache group's). */
  cacheScope: string;
  batchId: string;
  batchSeed: number;
  createdAt: string;
  deployment: string;
}

/**
 * A fresh `queued` record for a valid item, as single-job intake builds one, except for the
 * seed (derived from the batch seed and custom_id), the batch id, and the id itself: generated
 * in item order by the caller, which admits them first, so the batch's job index sorts in item
 * order.
 */
export function itemRecord(
  context: ItemContext,
  { request, input, id, estimate }: NumberedItem,
): JobRecord {
  return newJobRecord({
    id,
    owner: context.owner,
    cacheScope: context.cacheScope,
    request,
    seed: itemSeed(request, context.batchSeed, request.custom_id),
    input,
    batchId: context.batchId,
    createdAt: context.createdAt,
    deployment: context.deployment,
    estimate,
  });
}
