import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../../src/shared/config.ts';
import type { JobRecord } from '../../../src/shared/jobs/job-record.ts';
import { JobStore } from '../../../src/shared/jobs/job-store.ts';
import { isFinished } from '../../../src/shared/jobs/job-types.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { closeQueues, createQueues, type ClassQueues } from '../../../src/shared/queue/queues.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { redisKeys, type RedisKeys } from '../../../src/shared/redis/keys.ts';
import { startRedisServer, type RedisProcess } from '../../../src/shared/redis/redis-process.ts';
import { redisTargetOf } from '../../../src/shared/redis/redis-target.ts';
import { storageFromConfig } from '../../../src/shared/storage/create-storage.ts';
import type { ObjectStorage } from '../../../src/shared/storage/object-storage.ts';
import { startService, type RunningService } from '../../../src/runtime/start-service.ts';
import {
  startSimulator,
  type RunningSimulator,
  type SimulatorConfigPatch,
} from '../../../src/simulator/index.ts';
import { postSpeechToSpeech } from '../../integration/simulator/simulator-client.ts';
import { waitUntil as pollUntil, settlesWithin } from '../../support/eventually.ts';
import {
  startRedisCluster,
  type LocalRedisCluster,
} from '../../../src/shared/redis/redis-cluster-process.ts';
import type { S3ServerInfo } from '../../support/s3-server.ts';
import { testS3Options, uniquePrefix } from '../../support/test-env.ts';
import { INPUT, OUTPUT_FORMAT } from './scenario.ts';
import { spawnApi, spawnWorker, type ApiProcess, type WorkerProcess } from './service-process.ts';

export const SIMULATOR_KEY = 'sim-key-faults';
export const ADMIN_KEY = 'admin-key-faults-0123456789';

export interface ClusterOptions {
  /** Names the queue and storage prefix. */
  label: string;
  /** Worker processes started at once. */
  workers: number;
  /** S3 (the run's S3 server: multipart uploads are real) or a temp folder. Default s3. */
  storage?: 's3' | 'file';
  /** The S3 server to use; default the test run's (vitest's globalSetup). */
  s3?: S3ServerInfo;
  /** Config for every process (workers and intake), over the suite's defaults. */
  env?: Record<string, string>;
  /** The simulator's config. Its own concurrency limit defaults far above ours: it observes. */
  simulator?: SimulatorConfigPatch;
  /** One redis-server (default), or a local 3-master Redis Cluster. */
  redis?: 'single' | 'cluster';
}

/** A whole deployment on this machine: Redis, storage, simulator, intake, worker processes. */
export interface Cluster {
  /** The Redis holding the deployment's keys: on a Redis Cluster, the master of their slot. */
  readonly redis: RedisProcess;
  /** The Redis Cluster, when the scenario asked for one. */
  readonly redisCluster: LocalRedisCluster | null;
  readonly simulator: RunningSimulator;
  readonly config: Config;
  /** The environment every process of the deployment is started with. */
  readonly env: Record<string, string>;
  readonly apiUrl: string;
  readonly workers: WorkerProcess[];
  readonly storage: ObjectStorage;
  /** A worker-role connection (waits out Redis outages) for reading state. */
  readonly client: Redis;
  readonly keys: RedisKeys;
  readonly jobs: JobStore;
  readonly queues: ClassQueues;
  /** Every line the in-process intake logged. */
  readonly apiLogs: string[];
  addWorker(name: string, env?: Record<string, string>): Promise<WorkerProcess>;
  /** An api process of its own (the in-process intake keeps serving beside it). */
  addApi(name: string, env?: Record<string, string>): Promise<ApiProcess>;
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Uploads WAV bytes, returns the upload id. */
  upload(bytes: Buffer): Promise<string>;
  /** POST /v1/jobs; throws unless 202 (queued) or 200 (a cache hit); returns the job id. */
  submit(request: object, headers?: Record<string, string>): Promise<string>;
  /** The records of `ids` once all are finished; throws after `timeoutMs`. */
  waitFinished(ids: string[], timeoutMs: number): Promise<JobRecord[]>;
  /** Polls `check` every 50 ms until it holds; throws with `what` after `timeoutMs`. */
  waitUntil(
    what: string,
    check: () => Promise<boolean> | boolean,
    timeoutMs: number,
  ): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The suite's defaults: crash recovery in seconds (lock 2 s, stalled check every 1 s), short
 * backoff, and upstream timeouts short enough for the stall scenarios.
 */
const BASE_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  UPSTREAM_CONCURRENCY: '4',
  MUSIC_CONCURRENCY: '2',
  WORKER_CONCURRENCY: '6',
  WORKER_LOCK_DURATION_MS: '2000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  JOB_ATTEMPTS: '5',
  JOB_BACKOFF_MS: '100',
  SHUTDOWN_GRACE_MS: '5000',
  UPSTREAM_CONNECT_TIMEOUT_MS: '2000',
  UPSTREAM_HEADERS_TIMEOUT_MS: '15000',
  UPSTREAM_BODY_IDLE_TIMEOUT_MS: '5000',
  UPSTREAM_TOTAL_TIMEOUT_MS: '30000',
  UPSTREAM_SLOT_WAIT_MS: '20000',
  ALLOW_PRIVATE_URLS: 'true',
  ADMIN_API_KEY: ADMIN_KEY,
};

/** How long one teardown step (stopping a process, closing a client) may take. */
const TEARDOWN_STEP_MS = 30_000;

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    // Each step is bounded: a teardown that hangs (a connection that never closes) must not
    // turn a scenario that passed into a test timeout; it is reported, and the rest still runs.
    for (const cleanup of cleanups.reverse()) {
      await settlesWithin('a fault-suite teardown step', cleanup(), TEARDOWN_STEP_MS).catch(
        (error: unknown) => {
          if (String(error).includes('not settled'))
            console.warn(`${options.label}: ${String(error)}`);
        },
      );
    }
  };
  try {
    const prefix = uniquePrefix(options.label);
    const dir = await mkdtemp(join(tmpdir(), 'audiobatch-faults-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const redisCluster =
      options.redis === 'cluster' ? await startRedisCluster({ dir: join(dir, 'redis') }) : null;
    if (redisCluster) cleanups.push(() => redisCluster.stop());
    const single = redisCluster ? null : await startRedisServer({ dir: join(dir, 'redis') });
    if (single) cleanups.push(() => single.stop());
    const simulator = await startSimulator({
      apiKey: SIMULATOR_KEY,
      concurrency: { speech: 100, music: 100 },
    });
    cleanups.push(() => simulator.close());
    // One call first, so a scenario's timings never include the simulator's first-use work;
    // then the scenario's config, on zeroed counters.
    const warmUp = postSpeechToSpeech(simulator.url, {
      apiKey: SIMULATOR_KEY,
      audio: INPUT,
      query: { output_format: OUTPUT_FORMAT },
    })
      .then((response) => response.arrayBuffer())
      .then(() => {
        simulator.reset();
        simulator.configure(options.simulator ?? {});
      });

    const env: Record<string, string> = {
      ...BASE_ENV,
      ...(redisCluster
        ? { REDIS_CLUSTER_NODES: redisCluster.nodesEnv }
        : { REDIS_URL: single!.url }),
      QUEUE_PREFIX: prefix,
      ELEVENLABS_API_KEY: SIMULATOR_KEY,
      ELEVENLABS_BASE_URL: simulator.url,
      ...storageEnv(options.storage ?? 's3', prefix, dir, options.s3),
      ...options.env,
    };
    const config = loadConfig({ ...env, PORT: '0' });
    const storage = storageFromConfig(config);
    cleanups.push(() => storage.close());
    // On a cluster the config makes the prefix a hash tag: use it, not `prefix`, for keys.
    const keyPrefix = config.QUEUE_PREFIX;
    const redis = single ?? (await redisCluster!.nodeServing(`${keyPrefix}:deployment`));
    const client = createRedis(redisTargetOf(config)!, 'worker', 'faults-observer');
    // Redis goes away on purpose in some scenarios: reconnecting is expected, not news.
    client.on('error', () => undefined);
    cleanups.push(async () => {
      client.disconnect();
      await Promise.resolve();
    });
    const keys = redisKeys(keyPrefix);
    const queues = createQueues(client, {
      prefix: keyPrefix,
      attempts: config.JOB_ATTEMPTS,
      backoffMs: config.JOB_BACKOFF_MS,
    });
    // Redis goes away on purpose: the observer's queues reconnect; their errors are not news.
    for (const queue of Object.values(queues)) queue.on('error', () => undefined);
    cleanups.push(() => closeQueues(queues));

    const workers: WorkerProcess[] = [];
    cleanups.push(async () => {
      for (const worker of workers) worker.kill('SIGKILL');
      await Promise.all(workers.map((worker) => worker.exited));
    });
    const addWorker = async (name: string, extra: Record<string, string> = {}) => {
      const worker = await spawnWorker(name, { ...env, ...extra });
      workers.push(worker);
      return worker;
    };
    const apis: ApiProcess[] = [];
    cleanups.push(async () => {
      for (const api of apis) api.kill('SIGKILL');
      await Promise.all(apis.map((api) => api.exited));
    });
    const addApi = async (name: string, extra: Record<string, string> = {}) => {
      const api = await spawnApi(name, { ...env, PORT: '0', ...extra });
      apis.push(api);
      return api;
    };
    await Promise.all([
      warmUp,
      ...Array.from({ length: options.workers }, (_, i) => addWorker(`w${i + 1}`)),
    ]);

    const apiLogs: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        apiLogs.push(chunk.toString('utf8'));
        callback();
      },
    });
    const api: RunningService = await startService(
      config,
      'api',
      createLogger({ level: 'info', destination }),
    );
    cleanups.push(() => api.stop());
    const apiUrl = api.url as string;

    const request = (path: string, init: RequestInit = {}) => fetch(`${apiUrl}${path}`, init);
    const jobs = new JobStore(client, keys);
    const waitUntil = (what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) =>
      pollUntil(what, check, { timeoutMs, intervalMs: 50 });
    return {
      redis,
      redisCluster,
      simulator,
      config,
      env,
      apiUrl,
      workers,
      storage,
      client,
      keys,
      jobs,
      queues,
      apiLogs,
      addWorker,
      addApi,
      request,
      upload: async (bytes) => {
        const response = await request('/v1/uploads', {
          method: 'POST',
          headers: { 'content-type': 'audio/wav' },
          body: bytes,
        });
        if (response.status !== 201) throw new Error(`upload: ${response.status}`);
        return ((await response.json()) as { id: string }).id;
      },
      submit: async (body, headers = {}) => {
        const response = await request('/v1/jobs', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        });
        const text = await response.text();
        // 200: a cache hit, answered finished by the intake itself.
        if (response.status !== 202 && response.status !== 200)
          throw new Error(`submit: ${response.status} ${text}`);
        return (JSON.parse(text) as { id: string }).id;
      },
      waitFinished: async (ids, timeoutMs) => {
        let records: (JobRecord | null)[] = [];
        await waitUntil(
          `${ids.length} jobs finished`,
          async () => {
            records = await Promise.all(ids.map((id) => jobs.get(id)));
            return records.every((record) => record !== null && isFinished(record.status));
          },
          timeoutMs,
        ).catch((error: unknown) => {
          const open = records.filter((r) => r && !isFinished(r.status)).map((r) => r?.status);
          throw new Error(`${String(error)} (still open: ${open.length}: ${open.join(',')})`);
        });
        return records as JobRecord[];
      },
      waitUntil,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function storageEnv(
  kind: 's3' | 'file',
  prefix: string,
  dir: string,
  server: S3ServerInfo | undefined,
): Record<string, string> {
  if (kind === 'file') return { STORAGE_URL: `file://${join(dir, 'objects')}` };
  const s3 = server ?? testS3Options();
  return {
    STORAGE_URL: `s3://${s3.bucket}/faults/${prefix}`,
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_FORCE_PATH_STYLE: 'true',
    S3_CHECKSUM_MODE: s3.checksumMode,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
}
