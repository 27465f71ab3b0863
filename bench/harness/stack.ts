import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { SimulatorCounters } from '../../src/simulator/counters.ts';
import { startBenchRedis, type BenchRedis, type RedisTopology } from './bench-redis.ts';
import { spawnNode, type NodeProcess } from './node-process.ts';
import { productionNodeFlags } from './production-flags.ts';
import { dialogueUpstreamBody } from './requests.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
/** The bench runs what production runs: the output of `npm run build`. */
const SERVICE_MAIN = join(REPO, 'dist/main.js');
const SIMULATOR_MAIN = join(REPO, 'dist/simulator/main.js');
/** B1's ceiling: bench code, not the service, so run by tsx (compiled once at start). */
const BARE_INTAKE_MAIN = join(REPO, 'bench/harness/bare-intake-server.ts');
export const SIMULATOR_KEY = 'bench-simulator-key';

/** What a scenario's stack looks like. */
export interface StackOptions {
  /** The simulator's account: speech and music limits, fixed latency per request (ms). */
  simulator?: { speech?: number; music?: number; latencyMs?: number };
  /** Service settings on top of the bench's defaults (see {@link Stack.serviceEnv}). */
  env?: Record<string, string>;
  /** One redis-server (default), or a local 3-master Redis Cluster. */
  redis?: RedisTopology;
}

/** A service process: its intake URL (api) or metrics URL (worker). */
export interface ServiceProcess {
  readonly process: NodeProcess;
  readonly url: string;
}

/**
 * One scenario's world: its own redis-server or Redis Cluster (free ports, each server checked
 * to be our child by its pid), file storage in a temp folder, the simulator as its own process, and the api and
 * worker roles as compiled processes started on demand. `stop()` takes all of it down; its folder
 * goes with {@link Stack.removeFolders}, after the last scenario.
 */
export class Stack {
  /**
   * `--profile`: every service process writes a V8 CPU profile here when it stops (open it in
   * Chrome DevTools or speedscope). Null: no profiling.
   */
  static profileDir: string | null = null;
  /**
   * The folders of stopped stacks, removed only by {@link removeFolders} once every scenario
   * has run. Deleting thousands of files is not free for the next scenario: on an ext4 without
   * a journal (this bench's machines), the kernel's inode allocator then skips every inode
   * freed in the last 5 s, or 305 s when its inode table block is dirty, reading each one, and
   * that cost 22 % of the api's CPU in a B7 run that followed the deletions.
   */
  static readonly #stoppedFolders: string[] = [];
  readonly #owned: { stop(): Promise<void> }[] = [];
  readonly #clients: Redis[] = [];

  private constructor(
    readonly redis: BenchRedis,
    readonly dir: string,
    readonly simulator: ServiceProcess,
    readonly serviceEnv: Record<string, string>,
  ) {}

  static async start(options: StackOptions = {}): Promise<Stack> {
    const dir = await mkdtemp(join(tmpdir(), 'audiobatch-bench-'));
    const redis = await startBenchRedis(options.redis ?? 'single', dir);
    let simulator: ServiceProcess;
    try {
      simulator = await startSimulator(options.simulator ?? {});
      await warmUp(simulator.url);
    } catch (error) {
      await redis.stop();
      throw error;
    }
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      ...redis.serviceEnv,
      STORAGE_URL: `file://${join(dir, 'objects')}`,
      ELEVENLABS_API_KEY: SIMULATOR_KEY,
      ELEVENLABS_BASE_URL: simulator.url,
      PORT: '0',
      // The bench is one client sending as fast as it can: the limiter must not be the subject.
      RATE_LIMIT_PER_MINUTE: '1000000000',
      MAX_QUEUED_JOBS_PER_TENANT: '10000000',
      UPSTREAM_CONCURRENCY: String(options.simulator?.speech ?? 5),
      MUSIC_CONCURRENCY: String(options.simulator?.music ?? 2),
      ...options.env,
    };
    return new Stack(redis, dir, simulator, env);
  }

  /** An api process (`node dist/main.js api`). */
  async startApi(env: Record<string, string> = {}): Promise<ServiceProcess> {
    return this.#startService('api', 'intake listening', { ...this.serviceEnv, ...env });
  }

  /** A worker process (`node dist/main.js worker`) with its own metrics listener. */
  async startWorker(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const workerEnv = { ...this.serviceEnv, METRICS_PORT: '0', ...env };
    return this.#startService('worker', 'worker metrics listening', workerEnv);
  }

  /** The least an HTTP intake can do (bare-intake-server.ts), on this stack's Redis. */
  async startBareIntake(): Promise<ServiceProcess> {
    if (this.redis.url === null) throw new Error('the bare intake runs on a single Redis only');
    const process = await spawnNode(
      'bare intake',
      [...productionNodeFlags(), '--import', 'tsx', BARE_INTAKE_MAIN],
      { REDIS_URL: this.redis.url, NODE_ENV: 'production' },
      (line) => line.startsWith('bare intake listening '),
    );
    this.#owned.push(process);
    return { process, url: process.readyLine.replace('bare intake listening ', '') };
  }

  /** A Redis client of the bench's own (closed by stop()); the baselines use a single Redis. */
  client(): Redis {
    if (this.redis.url === null)
      throw new Error('the bench has its own clients on a single Redis only');
    const client = new Redis(this.redis.url, { maxRetriesPerRequest: null });
    this.#clients.push(client);
    return client;
  }

  async counters(): Promise<SimulatorCounters> {
    return (await (
      await fetch(`${this.simulator.url}/_simulator/counters`)
    ).json()) as SimulatorCounters;
  }

  async resetCounters(): Promise<void> {
    await fetch(`${this.simulator.url}/_simulator/reset`, { method: 'POST' });
  }

  async stop(): Promise<void> {
    for (const owned of this.#owned.reverse()) await owned.stop().catch(() => undefined);
    for (const client of this.#clients) client.disconnect();
    await this.simulator.process.stop();
    await this.redis.stop();
    Stack.#stoppedFolders.push(this.dir);
  }

  /** Removes the folders of every stopped stack (see {@link #stoppedFolders}). */
  static async removeFolders(): Promise<void> {
    for (const dir of Stack.#stoppedFolders.splice(0)) {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async #startService(role: string, ready: string, env: Record<string, string>) {
    const profile =
      Stack.profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${Stack.profileDir}`];
    const process = await spawnNode(
      role,
      [...profile, ...productionNodeFlags(), SERVICE_MAIN, role],
      env,
      (line) => line.includes(`"msg":"${ready}"`),
    );
    this.#owned.push(process);
    const { url } = JSON.parse(process.readyLine) as { url: string };
    return { process, url };
  }
}

/**
 * One dialogue call, then the counters zeroed: the simulator encodes its MP3 phrase pool on
 * the first call of a format (seconds on a loaded machine), which no scenario should time.
 */
async function warmUp(url: string): Promise<void> {
  const response = await fetch(`${url}/v1/text-to-dialogue?output_format=mp3_44100_128`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'xi-api-key': SIMULATOR_KEY },
    body: JSON.stringify(dialogueUpstreamBody(0)),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`simulator warm-up: HTTP ${response.status}`);
  await fetch(`${url}/_simulator/reset`, { method: 'POST' });
}

async function startSimulator(account: NonNullable<StackOptions['simulator']>) {
  const process = await spawnNode(
    'simulator',
    [SIMULATOR_MAIN],
    {
      SIMULATOR_PORT: '0',
      SIMULATOR_API_KEY: SIMULATOR_KEY,
      SIMULATOR_SPEECH_CONCURRENCY: String(account.speech ?? 5),
      SIMULATOR_MUSIC_CONCURRENCY: String(account.music ?? 2),
      SIMULATOR_LATENCY_MS: String(account.latencyMs ?? 0),
    },
    (line) => line.startsWith('audiobatch simulator listening on '),
  );
  const url = /listening on (\S+)/.exec(process.readyLine)?.[1] ?? '';
  return { process, url };
}
