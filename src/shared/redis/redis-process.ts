import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../net/free-port.ts';

const HOST = '127.0.0.1';
/** Production Redis should be given the same (README "Redis memory"). */
export const HASH_MAX_LISTPACK_VALUE = 256;

/** Where and how {@link startRedisServer} runs redis-server. */
export interface StartRedisServerOptions {
  /** Data folder (AOF lives in `<dir>/appendonlydir`); created if missing. */
  dir: string;
  /** TCP port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** AOF persistence with `appendfsync everysec`; default true. */
  appendOnly?: boolean;
  /** The binary; default `redis-server` from PATH. */
  redisServerPath?: string;
  /** Redis's own log file; default: its stdout, of which the last lines go into errors. */
  logFile?: string;
  /** How long to wait for the first PONG (AOF replay included); default 15 s. */
  startTimeoutMs?: number;
  /**
   * A config file loaded first (Sentinel needs one it can rewrite), and arguments after ours
   * (`--cluster-enabled yes`, `--sentinel monitor …`): for test clusters and Sentinels.
   */
  configFile?: string;
  extraArgs?: string[];
  /**
   * Run it in a process group of its own, so that a terminal's Ctrl-C (sent to the whole
   * foreground group) reaches only its owner, which stops it after its workers have handed
   * their jobs back. Default false (tests kill it on purpose).
   */
  ownProcessGroup?: boolean;
}

/** A redis-server child process this process started and owns. */
export interface RedisProcess {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Of the current process: it changes on restart(). */
  readonly pid: number;
  /** SIGTERM (Redis flushes the AOF and exits), wait for exit; SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** Sends a signal without waiting; SIGKILL by default, to simulate a crash. */
  kill(signal?: NodeJS.Signals): void;
  /** stop(), then start again on the same port and folder: the AOF is replayed. */
  restart(): Promise<void>;
}

/** Thrown when the redis-server binary cannot be run; the message says how to fix it. */
export class RedisServerNotFoundError extends Error {
  constructor(readonly redisServerPath: string) {
    super(
      `redis-server was not found (tried "${redisServerPath}"). Install Redis 7 or later ` +
        '(Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) ' +
        'or set REDIS_URL to use a Redis server you run yourself.',
    );
    this.name = 'RedisServerNotFoundError';
  }
}

interface Settings {
  dir: string;
  appendOnly: boolean;
  redisServerPath: string;
  logFile: string | undefined;
  startTimeoutMs: number;
  configFile: string | undefined;
  extraArgs: string[];
  ownProcessGroup: boolean;
}

/**
 * Starts a private redis-server bound to 127.0.0.1 with the production settings of
 * reliability.md (AOF everysec, noeviction, no RDB snapshots) and resolves once it answers. The caller owns it: stop it on exit, or it outlives this process.
 */
export async function startRedisServer(options: StartRedisServerOptions): Promise<RedisProcess> {
  const settings: Settings = {
    dir: resolve(options.dir),
    appendOnly: options.appendOnly ?? true,
    redisServerPath: options.redisServerPath ?? 'redis-server',
    logFile: options.logFile === undefined ? undefined : resolve(options.logFile),
    startTimeoutMs: options.startTimeoutMs ?? 15_000,
    configFile: options.configFile === undefined ? undefined : resolve(options.configFile),
    extraArgs: options.extraArgs ?? [],
    ownProcessGroup: options.ownProcessGroup ?? false,
  };
  await mkdir(settings.dir, { recursive: true });
  const pickPort = options.port === undefined || options.port === 0;
  // A free port can be taken between findFreePort() and Redis's bind: retry a few picks.
  for (let attempt = 1; ; attempt += 1) {
    const port = pickPort ? await findFreePort(HOST) : (options.port ?? 0);
    try {
      return new LocalRedis(settings, port, await launch(settings, port));
    } catch (error) {
      const portTaken = error instanceof Error && /address already in use/i.test(error.message);
      if (!(pickPort && portTaken && attempt < 3)) throw error;
    }
  }
}

class LocalRedis implements RedisProcess {
  readonly url: string;
  #child: ChildProcess;

  constructor(
    private readonly settings: Settings,
    readonly port: number,
    child: ChildProcess,
  ) {
    this.url = `redis://${HOST}:${port}`;
    this.#child = child;
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  async stop(): Promise<void> {
    await stopChild(this.#child);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.#child.kill(signal);
  }

  async restart(): Promise<void> {
    await this.stop();
    this.#child = await launch(this.settings, this.port);
  }
}

function redisArgs(settings: Settings, port: number): string[] {
  // prettier-ignore
  return [
    ...(settings.configFile === undefined ? [] : [settings.configFile]),
    '--port', String(port),
    '--bind', HOST,
    '--dir', settings.dir,
    '--daemonize', 'no',
    '--appendonly', settings.appendOnly ? 'yes' : 'no',
    '--appendfsync', 'everysec',
    '--maxmemory-policy', 'noeviction',
    // No RDB snapshots: the AOF is the persistence, and snapshots would fork a 2nd copy.
    '--save', '',
    // Small hashes stay listpacks (a few bytes per field, not a hash table's ~60) with values up
    // to 256 B, not 64: BullMQ's job hash (its options are ~150 B) is 424 B instead of 768 B.
    '--hash-max-listpack-value', String(HASH_MAX_LISTPACK_VALUE),
    ...(settings.logFile === undefined ? [] : ['--logfile', settings.logFile]),
    ...settings.extraArgs,
  ];
}

/** Spawns redis-server and resolves once it answers; kills it if it never does. */
async function launch(settings: Settings, port: number): Promise<ChildProcess> {
  const child = spawn(settings.redisServerPath, redisArgs(settings, port), {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: settings.ownProcessGroup,
  });
  // Always drain the pipes (a full pipe would block Redis) and keep the tail for errors.
  let tail = '';
  const keepTail = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-2000);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const died = new AbortController();
  let failure: Error | undefined;
  child.once('error', (error) => {
    const missing = 'code' in error && error.code === 'ENOENT';
    failure = missing ? new RedisServerNotFoundError(settings.redisServerPath) : error;
    died.abort();
  });
  child.once('exit', (code, signal) => {
    failure ??= new Error(
      `redis-server exited (${signal ?? `code ${code}`}) before it answered: ${tail.trim()}`,
    );
    died.abort();
  });
  try {
    await waitUntilServing(port, child.pid, settings.startTimeoutMs, died.signal);
    return child;
  } catch (error) {
    child.kill('SIGKILL');
    throw failure ?? error;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls until the server on `port` answers and is our child: its INFO `process_id` must be
 * `pid`, or a Redis that already held the port would pass for ours until our child exits.
 * A `-LOADING` error means the AOF is still being replayed: keep waiting.
 */
async function waitUntilServing(
  port: number,
  pid: number | undefined,
  timeoutMs: number,
  died: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    died.throwIfAborted();
    last = await infoServer(port).catch((error: unknown) => String(error));
    if (pid !== undefined && new RegExp(`^process_id:${pid}\\r?$`, 'm').test(last)) return;
    await sleep(50, undefined, { signal: died });
  }
  throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms (${last})`);
}

/** `INFO server` over a raw socket: no client library, so no reconnect loops or their logs. */
function infoServer(port: number): Promise<string> {
  return new Promise((resolveInfo, reject) => {
    const socket = connect({ host: HOST, port });
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy(new Error('INFO timed out')));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('connection closed without a reply')));
    socket.once('connect', () => socket.write('*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      const lineEnd = reply.indexOf('\r\n');
      if (lineEnd === -1) return;
      const header = reply.slice(0, lineEnd);
      // A bulk string (`$<length>`) is complete once its body and CRLF are in.
      const complete =
        !header.startsWith('$') || reply.length >= lineEnd + 2 + Number(header.slice(1)) + 2;
      if (!complete) return;
      resolveInfo(header.startsWith('$') ? reply.slice(lineEnd + 2) : header);
      socket.destroy();
    });
  });
}
