import type { ChainableCommander } from 'ioredis';
import type { Redis } from '../redis/connections.ts';
import { defineScripts, type LuaScript } from '../redis/lua-scripts.ts';

/**
 * MULTIs that add work items (with {@link WorkItemAdds}), on a connection of their own that
 * knows only the few scripts its callers use. ioredis copies every script its connection
 * defined into each new MULTI; on a queue's connection that is BullMQ's ~50 and was ~11 % of
 * the intake's CPU in B1 (one MULTI per job). Nothing else may run on the connection: no
 * BullMQ Queue or Worker, which would define all of BullMQ's scripts on it.
 */
export class WorkItemTransactions {
  readonly #connection: Redis;

  constructor(connection: Redis) {
    this.#connection = connection;
  }

  /** A MULTI whose connection knows `scripts` (a work-item add's, and the caller's own). */
  open(...scripts: readonly LuaScript[]): ChainableCommander {
    defineScripts(this.#connection, ...scripts);
    return this.#connection.multi();
  }
}
