import { tmpdir } from 'node:os';
import { Queue } from 'bullmq';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../../src/shared/config.ts';
import type { JobClass } from '../../../src/shared/jobs/job-types.ts';
import { queueName } from '../../../src/shared/queue/queues.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { storageFromConfig } from '../../../src/shared/storage/create-storage.ts';
import type { ObjectStorage } from '../../../src/shared/storage/object-storage.ts';
import { startService } from '../../../src/runtime/start-service.ts';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { testRedisUrl, testS3Options, uniquePrefix } from '../../support/test-env.ts';

export const SIMULATOR_KEY = 'sim-secret-key-e2e';

export interface TestService {
  url: string;
  simulator: RunningSimulator;
  config: Config;
  /** The service's own storage, for reading what it wrote. */
  storage: ObjectStorage;
  /** Every log line the service wrote, for secret checks. */
  logs: string[];
  request(path: string, init?: RequestInit & { key?: string }): Promise<Response>;
  json<T = Record<string, unknown>>(
    path: string,
    init?: RequestInit & { key?: string },
  ): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export interface TestServiceOptions {
  storage: 'file' | 's3';
  apiKeys?: string[];
  env?: Record<string, string>;
}

/**
 * The whole service as `npm start` composes it (intake + workers in one process), on the test
 * Redis, a fresh storage prefix and a simulator of its own, over real sockets.
 */
export async function startTestService(options: TestServiceOptions): Promise<TestService> {
  const simulator = await startSimulator({ apiKey: SIMULATOR_KEY, port: 0, host: '127.0.0.1' });
  const prefix = uniquePrefix('e2e');
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: prefix,
    ELEVENLABS_API_KEY: SIMULATOR_KEY,
    ELEVENLABS_BASE_URL: simulator.url,
    JOB_BACKOFF_MS: '50',
    ALLOW_PRIVATE_URLS: 'true',
    LOG_LEVEL: 'info',
    ...(options.apiKeys && { API_KEYS: options.apiKeys.join(',') }),
    ...storageEnv(options.storage, prefix),
    ...options.env,
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const service = await startService(config, 'all', createLogger({ level: 'info', destination }));
  const url = service.url as string;
  const storage = storageFromConfig(config);

  const request = (path: string, init: RequestInit & { key?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.key) headers.set('authorization', `Bearer ${init.key}`);
    return fetch(`${url}${path}`, { ...init, headers, redirect: 'manual' });
  };
  const json = async <T>(path: string, init: RequestInit & { key?: string } = {}) => {
    const response = await request(path, init);
    return { status: response.status, body: (await response.json()) as T };
  };
  return {
    url,
    simulator,
    config,
    storage,
    logs,
    request,
    json,
    stop: async () => {
      await storage.close();
      await service.stop();
      await simulator.close();
    },
  };
}

function storageEnv(kind: 'file' | 's3', prefix: string): Record<string, string> {
  if (kind === 'file')
    return { STORAGE_URL: `file://${join(tmpdir(), 'audiobatch-tests', prefix)}` };
  const s3 = testS3Options();
  return {
    STORAGE_URL: `s3://${s3.bucket}/${prefix}`,
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_FORCE_PATH_STYLE: 'true',
    S3_CHECKSUM_MODE: s3.checksumMode,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
  };
}

/**
 * A BullMQ handle on one of the service's class queues (an upstream account's, with
 * `account`), on its Redis: for tests that add, pause or inspect work items themselves.
 */
export function serviceQueue(config: Config, jobClass: JobClass, account?: string): Queue {
  return new Queue(queueName(jobClass, account), {
    connection: { url: config.REDIS_URL },
    prefix: config.QUEUE_PREFIX,
  });
}
