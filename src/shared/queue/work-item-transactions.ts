import { createIORedisClient, type Queue } from 'bullmq';
import type { ChainableCommander } from 'ioredis';
import type { QueuePayload } from './queues.ts';
import type { Redis } from '../redis/connections.ts';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.ts';

/** BullMQ's scripts that add a work item (`name:version`): all a work-item MULTI needs of BullMQ. */
const ADD_SCRIPT = /^add(Standard|Prioritized|Delayed)Job:/;

type ScriptDefinition = { lua: string; numberOfKeys: number | null };
type ScriptHost = { scriptsSet: Record<string, ScriptDefinition> };

/**
 * MULTIs that add work items (as {@link queueTransaction} opens), on a connection of their own
 * that knows only BullMQ's add scripts and the few of ours its callers use. ioredis copies every
 * script its connection defined into each new MULTI; on a queue's connection that is BullMQ's
 * ~50 and was ~11 % of the intake's CPU in B1 (one MULTI per job). Nothing else may run on the
 * connection: no BullMQ Queue or Worker, which would define all of BullMQ's scripts on it.
 */
export class WorkItemTransactions {
  readonly #connection: Redis;
  // BullMQ's adapter: its MULTIs speak the interface `Job.addJob` calls (`runCommand`).
  readonly #client: Redis;
  // Queues whose add scripts this connection has: looking again was 3 % of the intake's CPU.
  readonly #scriptsCopiedFrom = new WeakSet<Queue<QueuePayload>>();

  constructor(connection: Redis) {
    this.#connection = connection;
    this.#client = createIORedisClient(connection);
  }

  /**
   * A MULTI whose work items, added with `addWorkItem`, commit with what the caller adds to it;
   * `scripts` are our Lua scripts the caller adds to it.
   */
  async open(
    queue: Queue<QueuePayload>,
    ...scripts: readonly LuaScript[]
  ): Promise<ChainableCommander> {
    if (!this.#scriptsCopiedFrom.has(queue)) await this.#copyAddScripts(queue);
    defineScripts(this.#connection, ...scripts);
    return this.#client.multi();
  }

  async #copyAddScripts(queue: Queue<QueuePayload>): Promise<void> {
    // Awaiting the queue's client means BullMQ has defined its scripts there, to copy from.
    const source = (await queue.getBackend().client) as unknown as ScriptHost;
    const target = this.#connection as unknown as ScriptHost;
    for (const [name, script] of Object.entries(source.scriptsSet)) {
      if (!ADD_SCRIPT.test(name) || name in target.scriptsSet) continue;
      const { lua, numberOfKeys } = script;
      this.#connection.defineCommand(name, { lua, ...(numberOfKeys !== null && { numberOfKeys }) });
    }
    this.#scriptsCopiedFrom.add(queue);
  }
}
