import { jobWebhookMessageIds } from '../batches/job-events.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { JOB_CLASS_OF, isFinished } from '../jobs/job-types.ts';
import { jobFolder } from '../lifecycle/job-objects.ts';
import { cacheHintNaming } from '../lifecycle/cache-hints.ts';
import { removeFromCache } from '../lifecycle/result-cache.ts';
import { deleteFolder } from '../storage/delete-folder.ts';
import { uploadIdOfKey } from '../uploads/upload-store.ts';
import { idempotencyKeysOf, removeQueueEntry, type DeletionDeps } from './deletion-deps.ts';

/**
 * Deletes a finished job and every trace of it: its cache pointer and hint (a later identical
 * request calls the upstream again), its objects (`jobs/{id}/`: outputs of every run, fetched inputs,
 * job.json), its BullMQ entries (work item, webhook deliveries), then its Redis keys and index
 * entries, in one transaction. The record goes last: a deletion cut short (a crash, storage
 * away) leaves the job findable, and deleting it again completes the deletion.
 *
 * Not touched: the tenant's usage ledger (the billing record) and the batch's keys (a batch's
 * jobs are deleted with the batch, which removes its keys: see delete-batch.ts).
 */
export async function deleteJob(deps: DeletionDeps, record: JobRecord): Promise<void> {
  if (!isFinished(record.status) || record.finishing !== null)
    throw new Error(`job ${record.id} is not finished: cancel it before deleting it`);
  if (record.status === 'succeeded' && record.cache === 'miss')
    await removeFromCache(deps.storage, record);
  await deleteFolder(deps.storage, jobFolder(record.id));
  // In every account's queue of its class: a tenant moved account leaves its entries behind.
  for (const queue of deps.queues.ofClass(JOB_CLASS_OF[record.type]))
    await removeQueueEntry(deps, queue, record.id);
  for (const messageId of jobWebhookMessageIds(record))
    await removeQueueEntry(deps, deps.eventQueues.webhooks, messageId);

  const { keys } = deps;
  // Read before the transaction: a hint another job writes in between is removed with it,
  // which costs that job's next rerun a storage lookup, never a result (cache-hints.ts).
  const hint = await cacheHintNaming(deps, record);
  const transaction = deps.redis.multi();
  transaction.unlink(
    keys.job(record.id),
    keys.jobAttempts(record.id),
    keys.jobCalls(record.id),
    ...(await idempotencyKeysOf(deps, record.id)),
    ...(hint === null ? [] : [hint]),
  );
  transaction
    .zrem(keys.ownerJobs(record.owner), record.id)
    .zrem(keys.legacyOwnerJobsByType(record.owner, record.type), record.id)
    .zrem(keys.finishedJobs, record.id)
    .srem(keys.tenantQueued(record.owner), record.id);
  const upload = uploadIdOfKey(record.input?.key);
  if (upload !== null) transaction.srem(keys.uploadJobs(upload), record.id);
  const replies = await transaction.exec();
  const failed = replies?.find(([error]) => error !== null)?.[0];
  if (replies === null || failed) throw failed ?? new Error(`job ${record.id}: delete aborted`);
}
