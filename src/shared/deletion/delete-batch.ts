import { batchObjectKeys } from '../batches/batch-keys.ts';
import type { StoredBatch } from '../batches/batch-store.ts';
import { eachLimited } from '../each-limited.ts';
import { deleteFolder } from '../storage/delete-folder.ts';
import { messageId } from '../webhooks/webhook-queue.ts';
import { deleteJob } from './delete-job.ts';
import { idempotencyKeysOf, removeQueueEntry, type DeletionDeps } from './deletion-deps.ts';

/** Jobs read and deleted per step: a 50,000-item batch never holds Redis for long. */
const PAGE = 200;
/** Jobs deleted at once within a page (their objects are separate storage calls). */
const CONCURRENCY = 16;

/**
 * Deletes a finished batch (complete, its results written) with every job in it, each through
 * {@link deleteJob}, a page at a time; then its objects (`batches/{id}/`), its BullMQ entries
 * (finalizations, webhook deliveries) and its keys (record, state with counts and usage,
 * members, parked jobs, job index, index entries). The batch record goes last, so a deletion
 * cut short is completed by deleting again. The tenant's usage ledger (per-batch totals in its
 * day hashes included) is the billing record and stays.
 */
export async function deleteBatch(deps: DeletionDeps, batch: StoredBatch): Promise<void> {
  const { id } = batch.record;
  const { state } = batch;
  if (!state.complete || state.finalized < state.generation)
    throw new Error(`batch ${id} is not finished: cancel it before deleting it`);
  const index = deps.batchKeys.jobs(id);
  for (;;) {
    const ids = await deps.redis.zrangebylex(index, '-', '+', 'LIMIT', 0, PAGE);
    if (ids.length === 0) break;
    const records = await deps.jobs.getMany(ids);
    await eachLimited(records, CONCURRENCY, async (record) => {
      if (record !== null) await deleteJob(deps, record);
    });
    // Progress kept in the index itself: a deletion started again resumes here.
    await deps.redis.zrem(index, ...ids);
  }
  await deleteFolder(deps.storage, batchObjectKeys.folder(id));
  for (let generation = 1; generation <= state.generation; generation++)
    await removeQueueEntry(deps, deps.eventQueues.finalize, `${id}-g${generation}`);
  for (const message of await batchMessageIds(deps, batch))
    await removeQueueEntry(deps, deps.eventQueues.webhooks, message);

  const keys = deps.batchKeys;
  const transaction = deps.redis.multi();
  transaction.unlink(
    keys.batch(id),
    keys.state(id),
    keys.legacyMembers(id),
    keys.parked(id),
    keys.jobs(id),
    ...(await idempotencyKeysOf(deps, id)),
  );
  transaction
    .zrem(keys.ownerBatches(batch.record.owner), id)
    .zrem(keys.finishedBatches, id)
    .zrem(deps.keys.intakes, id);
  const replies = await transaction.exec();
  const failed = replies?.find(([error]) => error !== null)?.[0];
  if (replies === null || failed) throw failed ?? new Error(`batch ${id}: delete aborted`);
}

/** The batch's webhook messages: those attempted, and every completion and pause it had. */
async function batchMessageIds(deps: DeletionDeps, batch: StoredBatch): Promise<string[]> {
  const { id } = batch.record;
  const ids = new Set(batch.record.webhook_deliveries.map((delivery) => delivery.message_id));
  if (batch.record.webhook === null) return [...ids];
  for (let generation = 1; generation <= batch.state.generation; generation++)
    ids.add(messageId('batch.completed', id, `g${generation}`));
  const pauses = Number((await deps.redis.hget(deps.batchKeys.state(id), 'pauses')) ?? 0);
  for (let pause = 1; pause <= pauses; pause++) ids.add(messageId('batch.paused', id, `p${pause}`));
  return [...ids];
}
