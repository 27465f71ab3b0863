import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchCounts } from '../../../src/shared/batches/batch-counts.ts';
import { batchKeys } from '../../../src/shared/batches/batch-keys.ts';
import { batchStateSchema } from '../../../src/shared/batches/batch-record.ts';
import type { JobStatus } from '../../../src/shared/jobs/job-types.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

/** The counts script against real Redis: idempotent, order-free, completion reported once. */
describe('batch counts', () => {
  let redis: Redis;
  const prefix = uniquePrefix('batch-counts');
  const keys = redisKeys(prefix);
  const bkeys = batchKeys(prefix);
  let counts: BatchCounts;
  beforeAll(() => {
    redis = new Redis(testRedisUrl());
    counts = new BatchCounts(redis, keys, bkeys);
  });
  afterAll(async () => {
    const found = await redis.keys(`${prefix}:*`);
    if (found.length) await redis.del(...found);
    await redis.quit();
  });

  const setStatus = (id: string, status: JobStatus) =>
    redis.hset(keys.job(id), 'status', JSON.stringify(status));
  const state = async (batch: string) =>
    batchStateSchema.parse(await redis.hgetall(bkeys.state(batch)));

  /** A batch as the intake leaves it: every job indexed and counted queued. */
  async function batchOf(
    size: number,
    layout: 'current' | 'legacy members' = 'current',
  ): Promise<{ batch: string; jobs: string[] }> {
    const batch = `bat_${uniquePrefix('b').replaceAll('-', '')}`;
    const jobs = Array.from({ length: size }, (_, i) => `job_${batch}_${i}`);
    for (const id of jobs) await setStatus(id, 'queued');
    await redis.hset(bkeys.state(batch), { total: size, queued: size });
    await redis.zadd(bkeys.jobs(batch), ...jobs.flatMap((id) => [0, id]));
    // Releases before record version 6 kept the counted statuses in a members hash.
    if (layout === 'legacy members')
      await redis.hset(
        bkeys.legacyMembers(batch),
        Object.fromEntries(jobs.map((id) => [id, 'queued'])),
      );
    return { batch, jobs };
  }

  it('keeps the counted status in the job record, and no members hash', async () => {
    const { batch, jobs } = await batchOf(2);
    const [a] = jobs as [string];
    await setStatus(a, 'running');
    await counts.sync(batch, a);
    expect(await redis.hget(keys.job(a), 'batch_counted')).toBe('"running"');
    expect(await redis.exists(bkeys.legacyMembers(batch))).toBe(0);
    // Back to queued (a backoff): the field goes, as on a fresh record.
    await setStatus(a, 'queued');
    await counts.sync(batch, a);
    expect(await redis.hexists(keys.job(a), 'batch_counted')).toBe(0);
    expect(await state(batch)).toMatchObject({ queued: 2, running: 0 });
  });

  it('counts a batch written before record version 6 with its members hash', async () => {
    const { batch, jobs } = await batchOf(2, 'legacy members');
    const [a] = jobs as [string];
    await setStatus(a, 'succeeded');
    await counts.sync(batch, a);
    await counts.sync(batch, a);
    expect(await redis.hget(bkeys.legacyMembers(batch), a)).toBe('succeeded');
    expect(await redis.hexists(keys.job(a), 'batch_counted')).toBe(0);
    expect(await state(batch)).toMatchObject({ queued: 1, succeeded: 1 });
  });

  it('counts nothing for a job outside the batch’s index (a deleted batch)', async () => {
    const { batch, jobs } = await batchOf(1);
    const [a] = jobs as [string];
    await redis.del(bkeys.jobs(batch), bkeys.state(batch));
    await setStatus(a, 'succeeded');
    expect(await counts.sync(batch, a)).toEqual({ finalize: false, generation: 0, counted: null });
    expect(await redis.exists(bkeys.state(batch))).toBe(0);
  });

  it('moves a job between counts once, however often and late it is synced', async () => {
    const { batch, jobs } = await batchOf(3);
    const [a, b] = jobs as [string, string];
    await setStatus(a, 'running');
    await counts.sync(batch, a);
    await counts.sync(batch, a);
    expect(await state(batch)).toMatchObject({
      queued: 2,
      running: 1,
      started_at: expect.any(Number) as unknown,
    });
    // Finished and synced twice (a retried finish), plus a late sync of the start: one success.
    await setStatus(a, 'succeeded');
    await counts.sync(batch, a);
    await counts.sync(batch, a);
    // A job whose start was never synced: its finish moves it straight from queued.
    await setStatus(b, 'failed');
    await counts.sync(batch, b);
    expect(await state(batch)).toMatchObject({ queued: 1, running: 0, succeeded: 1, failed: 1 });
    expect(await counts.sync(batch, 'job_not_a_member')).toEqual({
      finalize: false,
      generation: 0,
      counted: null,
    });
  });

  it('reports completion until it is finalized, and reopens on a retry', async () => {
    const { batch, jobs } = await batchOf(2);
    const [a, b] = jobs as [string, string];
    await setStatus(a, 'succeeded');
    expect(await counts.sync(batch, a)).toEqual({
      finalize: false,
      generation: 0,
      counted: 'succeeded',
    });
    await setStatus(b, 'failed');
    expect(await counts.sync(batch, b)).toEqual({
      finalize: true,
      generation: 1,
      counted: 'failed',
    });
    // Until finalized, a duplicate sync asks again (a lost enqueue is retried); after, never.
    expect(await counts.sync(batch, b)).toEqual({
      finalize: true,
      generation: 1,
      counted: 'failed',
    });
    await counts.markFinalized(batch, 1);
    expect(await counts.sync(batch, a)).toEqual({
      finalize: false,
      generation: 1,
      counted: 'succeeded',
    });
    expect(await state(batch)).toMatchObject({
      complete: true,
      finalized: 1,
      finished_at: expect.any(Number) as unknown,
    });

    await setStatus(b, 'queued');
    await counts.sync(batch, b);
    expect(await state(batch)).toMatchObject({
      complete: false,
      queued: 1,
      failed: 0,
      run_base: 1,
    });
    expect((await state(batch)).finished_at).toBeUndefined();
    await setStatus(b, 'succeeded');
    expect(await counts.sync(batch, b)).toEqual({
      finalize: true,
      generation: 2,
      counted: 'succeeded',
    });
    await counts.markFinalized(batch, 1); // a stale finalizer never moves it back
    expect((await state(batch)).finalized).toBe(1);
    await counts.markFinalized(batch, 2);
    expect((await state(batch)).finalized).toBe(2);
  });

  it('visits members by status', async () => {
    const { batch, jobs } = await batchOf(5);
    await setStatus(jobs[0] as string, 'failed');
    await counts.sync(batch, jobs[0] as string);
    const seen: string[] = [];
    for await (const ids of counts.members(batch, ['failed', 'canceled'])) seen.push(...ids);
    expect(seen).toEqual([jobs[0]]);
  });
});
