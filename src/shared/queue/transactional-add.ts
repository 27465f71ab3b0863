import { Job, type Queue } from 'bullmq';
import type { ChainableCommander } from 'ioredis';
import type { QueuePayload } from './queues.ts';
import type { Redis } from '../redis/connections.ts';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.ts';

/**
 * A MULTI on the queue's own connection, which knows BullMQ's scripts: what the caller adds to
 * it and the work items added with {@link addWorkItem} commit together or not at all. `scripts`
 * are our Lua scripts the caller adds to it (they must be defined before the MULTI is created).
 */
export async function queueTransaction(
  queue: Queue<QueuePayload>,
  ...scripts: readonly LuaScript[]
): Promise<ChainableCommander> {
  const client = await queue.getBackend().client;
  // BullMQ's client is the ioredis connection (or Cluster) the queue was given.
  defineScripts(client as unknown as Redis, ...scripts);
  return client.multi() as unknown as ChainableCommander;
}

/**
 * Adds a job's work item (BullMQ job id = the record's id, the queue's default options; a delay
 * only for a safety net that should fire if nobody removes it first) to a
 * transaction from {@link queueTransaction}, the way BullMQ's own bulk add and flows do: the
 * add is queued on the transaction at once, and executes with it. `priority` is the item's
 * fair share (AccountQueues.reservePriorities); 0 is BullMQ's plain FIFO wait list.
 */
export async function addWorkItem(
  queue: Queue<QueuePayload>,
  transaction: ChainableCommander,
  item: { name: string; jobId: string; priority: number; delayMs?: number },
): Promise<void> {
  const delay = item.delayMs === undefined ? {} : { delay: item.delayMs };
  const job = new Job<QueuePayload>(
    queue,
    item.name,
    // No `job_id`: the item's BullMQ id (below) is the record's id already (recordIdOf).
    {},
    { ...queue.defaultJobOptions, ...delay, priority: item.priority },
    // The id goes to the constructor only: in the options too it would be stored a second
    // time in every BullMQ job hash (the hash's key already ends with it).
    item.jobId,
  );
  // The add is queued before the first await inside; the promise resolves to the transaction
  // itself (not thenable), and rejects only when the options are invalid.
  await job.addJob(transaction as never);
}
