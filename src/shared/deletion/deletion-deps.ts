import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import type { BatchKeys } from '../batches/batch-keys.ts';
import type { EventQueues } from '../batches/event-queues.ts';
import type { JobStore } from '../jobs/job-store.ts';
import type { Logger } from '../logger.ts';
import type { AccountQueues } from '../queue/account-queues.ts';
import type { Redis } from '../redis/connections.ts';
import type { RedisKeys } from '../redis/keys.ts';
import type { ObjectStorage } from '../storage/object-storage.ts';

/**
 * What deleting a job, a batch or an upload touches: its Redis keys and index entries, its
 * objects in storage, and its BullMQ entries (work items, finalizations, webhook deliveries).
 * The API's DELETE routes and the retention sweep both delete through these functions.
 */
export interface DeletionDeps {
  redis: Redis;
  keys: RedisKeys;
  batchKeys: BatchKeys;
  jobs: JobStore;
  storage: ObjectStorage;
  queues: AccountQueues;
  eventQueues: EventQueues;
  logger: Logger;
}

/** How long a deletion waits for a worker to let go of a BullMQ entry it still holds. */
const LOCKED_ENTRY_WAIT_MS = 10_000;
const LOCKED_ENTRY_POLL_MS = 100;

/**
 * Removes BullMQ's entry `id` from `queue`. An entry a worker still holds (it has just finished
 * the job and not yet handed it back) cannot be removed: waited for a little, then left to
 * BullMQ's own expiry (removeOnComplete / removeOnFail), which is logged.
 */
export async function removeQueueEntry(
  deps: Pick<DeletionDeps, 'logger'>,
  queue: Queue,
  id: string,
): Promise<void> {
  const deadline = Date.now() + LOCKED_ENTRY_WAIT_MS;
  for (;;) {
    if ((await queue.remove(id)) === 1) return;
    if ((await queue.getJob(id)) === undefined) return;
    if (Date.now() >= deadline) {
      deps.logger.warn({ queue: queue.name, entry: id }, 'queue entry still held: left to expire');
      return;
    }
    await sleep(LOCKED_ENTRY_POLL_MS);
  }
}

/** The idempotency key that created `resourceId`, and its pointer to it: gone with it. */
export async function idempotencyKeysOf(deps: DeletionDeps, resourceId: string): Promise<string[]> {
  const pointer = deps.keys.idempotencyOf(resourceId);
  const key = await deps.redis.get(pointer);
  return key === null ? [pointer] : [pointer, key];
}
