import type { Queue } from 'bullmq';
import type { ChainableCommander } from 'ioredis';
import type { QueuePayload } from './queues.ts';
import type { Redis } from '../redis/connections.ts';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.ts';

/**
 * A MULTI on the queue's own connection: what the caller adds to it and the work items added
 * with {@link WorkItemAdds} commit together or not at all. `scripts` are the Lua scripts the
 * caller adds to it (they must be defined before the MULTI is created).
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
