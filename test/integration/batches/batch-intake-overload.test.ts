import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisProcess } from '../../../src/shared/redis/redis-process.ts';
import { waitUntil } from '../../support/eventually.ts';
import { startApiHarness, type ApiHarness } from '../api/api-harness.ts';
import { VOICE } from './batch-helpers.ts';

/**
 * Issue 8, seen failure 4: under load the intake's Redis command timeout fired while a chunk of
 * job records was written; "Command timed out" was not known as a backend outage, so the client
 * got a 500, and the batch was lost. Here Redis stops executing writes for longer than the
 * command timeout (CLIENT PAUSE, on a Redis of this test's own) while a batch is written.
 */
describe('a batch written while Redis stalls', () => {
  let dir: string;
  let redis: RedisProcess;
  let admin: Redis;
  let api: ApiHarness;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batch-overload-'));
    redis = await startRedisServer({ dir, appendOnly: false });
    admin = new Redis(redis.url);
    api = await startApiHarness({
      redisUrl: redis.url,
      // Short, so the test sees an abandoned intake recovered within seconds.
      env: { BATCH_INTAKE_LEASE_MS: '2000', INTAKE_RECOVERY_INTERVAL_MS: '500' },
    });
  });
  afterAll(async () => {
    await api?.close();
    admin?.disconnect();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After and leaves nothing of the batch behind', async () => {
    const items = Array.from({ length: 2_500 }, (_, i) => ({
      custom_id: `line-${i}`,
      type: 'text_to_dialogue',
      params: { inputs: [{ text: `Line number ${i}.`, voice_id: VOICE }] },
    }));
    // Writes stall, for longer than the intake's 2 s command timeout, until the answer is in;
    // reads still answer.
    await admin.call('CLIENT', 'PAUSE', '120000', 'WRITE');
    const response = await api
      .call({ method: 'POST', url: '/v1/batches', payload: { items } })
      .finally(() => admin.call('CLIENT', 'UNPAUSE'));
    expect(response.statusCode, response.body).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(response.json()).toMatchObject({ error: { code: 'service_unavailable' } });

    // Once Redis answers again, no trace of the refused batch remains: no batch, no job, no
    // work item. A rollback the stalled Redis refused is finished by intake recovery.
    const leftovers = async () => {
      const keys = await admin.keys(`${api.prefix}:*`);
      // Batch and job records, owners' indexes, intakes in progress, BullMQ's job entries
      // (waiting plain or prioritized).
      return keys.filter(
        (key) =>
          /:(batch|job|idx):|:intakes$/.test(key) ||
          /:jobs-(speech|music):(wait|prioritized|\d+|job_\w+)$/.test(key),
      );
    };
    let left: string[] = [];
    await waitUntil('the refused batch has left nothing', async () => {
      left = await leftovers();
      return left.length === 0;
    }).catch(() => undefined);
    expect(left.slice(0, 10)).toEqual([]);
  });
});

/**
 * Issue 10, B2: a batch written beside a busy intake was refused (503) because its chunks
 * waited behind other requests' commands past the intake's 2 s fail-fast timeout, though
 * Redis was only slow. A batch now writes on a connection of its own whose commands may take
 * half the intake lease (15 s by default): a stall longer than 2 s makes it slow, not refused.
 */
describe('a batch written while Redis is slow, not gone', () => {
  let dir: string;
  let redis: RedisProcess;
  let admin: Redis;
  let api: ApiHarness;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batch-slow-'));
    redis = await startRedisServer({ dir, appendOnly: false });
    admin = new Redis(redis.url);
    api = await startApiHarness({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await api?.close();
    admin?.disconnect();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts the batch once writes resume, and queues every job', async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({
      custom_id: `line-${i}`,
      type: 'text_to_dialogue',
      params: { inputs: [{ text: `Line number ${i}.`, voice_id: VOICE }] },
    }));
    // Writes wait 6 s (Redis lifts the pause by itself): three times the intake's timeout,
    // well under the batch connection's.
    await admin.call('CLIENT', 'PAUSE', '6000', 'WRITE');
    const response = await api.call({ method: 'POST', url: '/v1/batches', payload: { items } });
    expect(response.statusCode, response.body).toBe(202);
    await waitUntil(
      'every job of the batch is queued',
      async () => (await api.queueCounts()).waiting === 50,
    );
  });
});
