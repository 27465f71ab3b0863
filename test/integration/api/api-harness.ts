import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../../src/api/app.ts';
import type { ApiDeps } from '../../../src/api/deps.ts';
import { loadConfig } from '../../../src/shared/config.ts';
import { resolveDeployment } from '../../../src/shared/deployment/deployment-marker.ts';
import type { JobRecord, JobView } from '../../../src/shared/jobs/job-record.ts';
import { JobStore } from '../../../src/shared/jobs/job-store.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { createAccountQueues } from '../../../src/shared/queue/account-queues.ts';
import type { ClassQueues } from '../../../src/shared/queue/queues.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import { createStorage } from '../../../src/shared/storage/create-storage.ts';
import type { ObjectStorage } from '../../../src/shared/storage/object-storage.ts';
import { accountRouting, DEFAULT_ACCOUNT } from '../../../src/shared/tenants/upstream-accounts.ts';
import { UploadStore } from '../../../src/shared/uploads/upload-store.ts';
import { waitUntil } from '../../support/eventually.ts';
import { testRedisUrl, testS3Options, uniquePrefix } from '../../support/test-env.ts';
import { tableResolver } from '../../support/test-resolver.ts';
import { sineWav } from '../e2e/audio-fixtures.ts';

/** Small enough that "over the limit" costs nothing to send. */
export const TEST_MAX_UPLOAD_BYTES = 64 * 1024;

export interface ApiHarnessOptions {
  storage?: 'file' | 's3';
  apiKeys?: string[];
  /** Another Redis than the run's (the Redis-down test brings its own). */
  redisUrl?: string;
  env?: Record<string, string>;
  /** Wraps the storage the app gets (the fuzz test counts what is stored). */
  wrapStorage?: (storage: ObjectStorage) => ObjectStorage;
}

export type Call = Omit<InjectOptions, 'headers'> & {
  /** Sent as `Authorization: Bearer <key>`. */
  key?: string;
  headers?: Record<string, string>;
};

export interface ApiHarness {
  app: FastifyInstance;
  deps: ApiDeps;
  /** The default upstream account's class queues (every account's are in `deps.queues`). */
  queues: ClassQueues;
  prefix: string;
  /** Every log line the app wrote (secret checks). */
  logs: string[];
  call(options: Call): Promise<LightMyRequestResponse>;
  /** Uploads `bytes` (raw, audio/wav) and returns the upload id. */
  upload(bytes?: Buffer, key?: string): Promise<string>;
  /** Creates a speech_to_speech job on a fresh upload (202 expected) and returns its view. */
  createJob(params?: Record<string, unknown>, key?: string): Promise<JobView>;
  /** What a worker would do: apply a patch to a job record and announce it if finished. */
  finishJob(id: string, patch: Partial<JobRecord>): Promise<void>;
  /** The speech queue's job counts (waiting, active, …). */
  queueCounts(): Promise<Record<string, number>>;
  /** Every object key under the harness's storage. */
  storedKeys(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * The intake on real parts: the run's Redis (unique key and queue prefix per harness) and file
 * storage in a temp folder or the run's S3 server (unique key prefix). `close()` releases all
 * of it and checks that no socket was left open.
 */
export async function startApiHarness(options: ApiHarnessOptions = {}): Promise<ApiHarness> {
  if (openHarnesses++ === 0) socketBaseline = openSockets();
  const prefix = uniquePrefix('api');
  const root = await mkdtemp(join(tmpdir(), 'audiobatch-api-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    REDIS_URL: options.redisUrl ?? testRedisUrl(),
    QUEUE_PREFIX: prefix,
    MAX_UPLOAD_BYTES: String(TEST_MAX_UPLOAD_BYTES),
    ...(options.apiKeys && { API_KEYS: options.apiKeys.join(',') }),
    ...options.env,
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const redis = createRedis(
    { kind: 'single', url: config.REDIS_URL ?? '' },
    'intake',
    `api-test-${prefix}`,
  );
  await waitUntilReady(redis);
  const keys = redisKeys(prefix);
  const baseStorage: ObjectStorage =
    options.storage === 's3'
      ? createStorage(testS3Options(prefix))
      : createStorage({
          url: `file://${root}`,
          s3: { region: 'unused', forcePathStyle: true, checksumMode: 'WHEN_REQUIRED' },
        });
  const storage = options.wrapStorage ? options.wrapStorage(baseStorage) : baseStorage;
  const queues = createAccountQueues(
    redis,
    { prefix, attempts: 3, backoffMs: 100 },
    accountRouting(config),
  );
  const deployment = await resolveDeployment({
    redis,
    keys,
    storage,
    storageUrl: options.storage === 's3' ? 's3' : `file://${root}`,
  });
  const deps: ApiDeps = {
    config,
    logger,
    redis,
    jobs: new JobStore(redis, keys),
    uploads: new UploadStore(redis, keys),
    queues,
    storage,
    keys,
    deployment,
    // No DNS on test machines: fixed answers for the test host names, the system for the rest.
    resolveHost: tableResolver(),
  };
  const app = await buildApp(deps);
  await app.ready();

  const storedKeys = async (): Promise<string[]> => {
    const found: string[] = [];
    for await (const key of storage.list('')) found.push(key);
    return found;
  };

  const call = ({ key, headers, ...rest }: Call) =>
    app.inject({
      ...rest,
      headers: { ...headers, ...(key !== undefined && { authorization: `Bearer ${key}` }) },
    });
  // Uploads must be audio (sniffed): a 10 ms WAV is the smallest honest default.
  const upload = async (bytes = sineWav(0.01), key?: string): Promise<string> => {
    const response = await call({
      method: 'POST',
      url: '/v1/uploads',
      payload: bytes,
      headers: { 'content-type': 'audio/wav' },
      ...(key !== undefined && { key }),
    });
    if (response.statusCode !== 201) throw new Error(`upload failed: ${response.body}`);
    return response.json<{ id: string }>().id;
  };

  return {
    app,
    deps,
    queues: queues.account(DEFAULT_ACCOUNT),
    prefix,
    logs,
    call,
    upload,
    createJob: async (params = {}, key) => {
      const response = await call({
        method: 'POST',
        url: '/v1/jobs',
        payload: {
          type: 'speech_to_speech',
          params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb', ...params },
          input: { upload_id: await upload(undefined, key) },
        },
        ...(key !== undefined && { key }),
      });
      if (response.statusCode !== 202) throw new Error(`job creation failed: ${response.body}`);
      return response.json<JobView>();
    },
    finishJob: async (id, patch) => {
      await deps.jobs.patch(id, patch);
      if (
        patch.status === 'succeeded' ||
        patch.status === 'failed' ||
        patch.status === 'canceled'
      ) {
        await redis.publish(keys.jobFinishedChannel, id);
      }
    },
    queueCounts: async () => {
      // Work items carry fair-share priorities: waiting for a worker is waiting + prioritized.
      const { prioritized = 0, ...counts } = await queues
        .account(DEFAULT_ACCOUNT)
        .speech.getJobCounts();
      return { ...counts, waiting: (counts.waiting ?? 0) + prioritized };
    },
    storedKeys,
    close: async () => {
      await app.close();
      await queues.close();
      if (redis.status === 'ready') await deleteKeys(redis, `${prefix}:*`);
      if (options.storage === 's3')
        for (const key of await storedKeys().catch(() => [])) await storage.delete(key);
      await storage.close();
      await redis.quit().catch(() => redis.disconnect());
      await rm(root, { recursive: true, force: true });
      if (--openHarnesses === 0) await expectSocketsClosed(socketBaseline);
    },
  };
}

async function waitUntilReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', resolve);
    redis.once('end', () => reject(new Error('Redis connection ended before ready')));
  });
}

let openHarnesses = 0;
let socketBaseline = 0;

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (found.length) await redis.unlink(...found);
    cursor = next;
  } while (cursor !== '0');
}

function openSockets(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length;
}

/** The leak check: once the last harness closes, every socket they opened is closed again. */
async function expectSocketsClosed(before: number): Promise<void> {
  // A closed socket leaves the list a moment later (later on a busy machine); a leaked one never.
  await waitUntil('the harness sockets are closed', () => openSockets() <= before).catch(() => {
    throw new Error(`leak: ${openSockets() - before} socket(s) left open by the API harness`);
  });
}

/** A multipart/form-data body built by the platform's own FormData encoder. */
export async function multipartBody(
  parts: Record<string, string | { data: Buffer | string; type?: string; filename?: string }>,
): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  for (const [name, part] of Object.entries(parts)) {
    if (typeof part === 'string') form.append(name, part);
    else
      form.append(
        name,
        new Blob([part.data], { type: part.type ?? '' }),
        part.filename ?? 'file.bin',
      );
  }
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return {
    payload: Buffer.from(await request.arrayBuffer()),
    headers: { 'content-type': request.headers.get('content-type') ?? '' },
  };
}
