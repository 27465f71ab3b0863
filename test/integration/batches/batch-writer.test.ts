import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBatch } from '../../../src/api/services/batch-writer.ts';
import { batchKeys } from '../../../src/shared/batches/batch-keys.ts';
import type { BatchRecord } from '../../../src/shared/batches/batch-record.ts';
import { BatchStore } from '../../../src/shared/batches/batch-store.ts';
import { ServiceUnavailableError } from '../../../src/shared/errors.ts';
import { newId } from '../../../src/shared/ids.ts';
import type { JobRecord } from '../../../src/shared/jobs/job-record.ts';
import { JobStore } from '../../../src/shared/jobs/job-store.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import type { ClassQueues } from '../../../src/shared/queue/queues.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

/** A strict stand-in for the class queues: the Nth addBulk fails as a lost connection does. */
function failingQueues(failOnCall: number) {
  const added: string[] = [];
  const removed: string[] = [];
  let calls = 0;
  const queue = {
    addBulk: (jobs: { opts: { jobId: string } }[]) => {
      if (++calls === failOnCall) return Promise.reject(new Error('Connection is closed.'));
      added.push(...jobs.map((job) => job.opts.jobId));
      return Promise.resolve([]);
    },
    remove: (id: string) => {
      removed.push(id);
      return Promise.resolve(1);
    },
  };
  const other = new Proxy(
    {},
    {
      get: () => () => {
        throw new Error('unexpected call');
      },
    },
  );
  return { queues: { speech: queue, music: other } as unknown as ClassQueues, added, removed };
}

function record(owner: string, batchId: string, i: number): JobRecord {
  return {
    id: newId('job'),
    owner,
    type: 'speech_to_speech',
    status: 'queued',
    batch_id: batchId,
    custom_id: `c${i}`,
    metadata: {},
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    attempts: 0,
    seed: i,
    fingerprint: null,
    cache: null,
    request: {
      type: 'speech_to_speech',
      params: { voice_id: 'v', seed: i },
    } as unknown as JobRecord['request'],
    input: null,
    outputs: [],
    upstream: null,
    error: null,
    result: null,
    cancel_requested: false,
  };
}

describe('batch writes', () => {
  let redis: Redis;
  const prefix = uniquePrefix('batch-writer');
  beforeAll(() => {
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    const found = await redis.keys(`${prefix}:*`);
    if (found.length) await redis.del(...found);
    await redis.quit();
  });

  it('removes everything it wrote when Redis fails midway, and answers 503', async () => {
    const keys = redisKeys(prefix);
    const bkeys = batchKeys(prefix);
    const batches = new BatchStore(redis, bkeys);
    const batch: BatchRecord = {
      id: newId('bat'),
      owner: 'local',
      name: null,
      seed: 1,
      metadata: {},
      webhook: null,
      created_at: new Date().toISOString(),
      results: null,
      webhook_deliveries: [],
    };
    const { queues, added, removed } = failingQueues(3);
    const items = Array.from({ length: 4_500 }, (_, i) => i);
    const error = await writeBatch(
      {
        redis,
        jobs: new JobStore(redis, keys),
        batches,
        queues,
        logger: createLogger({ level: 'silent' }),
      },
      batch,
      items,
      (i) => record('local', batch.id, i),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(added.length).toBeGreaterThan(0);
    expect(removed).toEqual(expect.arrayContaining(added));
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    expect(await batches.get(batch.id)).toBeNull();
  });
});
