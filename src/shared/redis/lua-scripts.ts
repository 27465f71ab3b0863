import type { ChainableCommander } from 'ioredis';
import type { Redis } from './connections.ts';

/**
 * One of our Lua scripts, run by EVALSHA: ioredis's `defineCommand` sends the body once per
 * socket (EVAL, which also caches it on that server) and only its SHA1 after that, and falls
 * back to EVAL by itself on NOSCRIPT (a restarted or failed-over Redis). Sending the body with
 * every call cost more bytes per job than the job's own record. On a Cluster the script runs
 * on the node of its keys' slot, so all of a script's keys must share one slot (keys.ts).
 */
export interface LuaScript {
  /** The command name on the connection: unique among ours and BullMQ's. */
  readonly name: string;
  readonly lua: string;
}

/** A script to run with {@link runScript} or {@link addScript}; `name` must be unique. */
export function luaScript(name: string, lua: string): LuaScript {
  return { name: `audiobatch_${name}`, lua };
}

type ScriptArg = string | number;
type ScriptCommand = (numberOfKeys: number, ...args: ScriptArg[]) => Promise<unknown>;
type ScriptHost = Record<string, ScriptCommand | undefined> & {
  scriptsSet: Record<string, unknown>;
};

/**
 * Defines `scripts` on the connection (once: later calls change nothing). A pipeline or MULTI
 * knows the scripts its connection defined when it was created, so call this before creating
 * one that {@link addScript} will use.
 */
export function defineScripts(redis: Redis, ...scripts: readonly LuaScript[]): void {
  const host = redis as unknown as ScriptHost;
  for (const script of scripts) {
    // No numberOfKeys: each call passes its own (some scripts take a variable number of keys).
    if (!(script.name in host.scriptsSet)) redis.defineCommand(script.name, { lua: script.lua });
  }
}

/** Runs `script` on `keys` with `args` by EVALSHA (defining it on the connection if needed). */
export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly ScriptArg[] = [],
): Promise<unknown> {
  defineScripts(redis, script);
  return commandOf(redis, script)(keys.length, ...keys, ...args);
}

/**
 * Queues `script` on a pipeline or MULTI whose connection defined it before the pipeline was
 * created ({@link defineScripts}); its reply comes with the pipeline's others.
 */
export function addScript(
  pipeline: ChainableCommander,
  script: LuaScript,
  keys: readonly string[],
  args: readonly ScriptArg[] = [],
): void {
  void commandOf(pipeline, script)(keys.length, ...keys, ...args);
}

function commandOf(host: Redis | ChainableCommander, script: LuaScript): ScriptCommand {
  const command = (host as unknown as ScriptHost)[script.name];
  if (typeof command !== 'function')
    throw new Error(
      `Lua script ${script.name} is not defined on this pipeline's connection: ` +
        'call defineScripts before creating the pipeline',
    );
  return command.bind(host);
}
