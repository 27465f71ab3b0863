import { itemSeed } from '../../shared/batches/item-seeds.ts';
import type { JobRecord, ResolvedInput } from '../../shared/jobs/job-record.ts';
import { newJobRecord } from '../../shared/jobs/new-job-record.ts';
import type { BatchItem } from './batch-items.ts';

/** Who and what an item's job belongs to. */
export interface ItemContext {
  owner: string;
  batchId: string;
  batchSeed: number;
  createdAt: string;
  deployment: string;
}

/**
 * A fresh `queued` record for a valid item, as single-job intake builds one, except for the
 * seed (derived from the batch seed and custom_id) and the batch id.
 */
export function itemRecord(
  context: ItemContext,
  item: BatchItem,
  input: ResolvedInput | null,
): JobRecord {
  return newJobRecord({
    owner: context.owner,
    request: item,
    seed: itemSeed(item, context.batchSeed, item.custom_id),
    input,
    batchId: context.batchId,
    createdAt: context.createdAt,
    deployment: context.deployment,
  });
}
