import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/shared/logger.ts';
import { createMetrics } from '../../../src/shared/metrics/metrics.ts';
import { redisKeys, type RedisKeys } from '../../../src/shared/redis/keys.ts';
import {
  SlotWaitTimeoutError,
  WorkerStoppingError,
} from '../../../src/workers/slots/slot-errors.ts';
import { UpstreamSlots, type SlotLease } from '../../../src/workers/slots/upstream-slots.ts';
import { UpstreamError } from '../../../src/workers/upstream/upstream-error.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

const LEASE_MS = 600;

describe('UpstreamSlots: the account limit as Redis leases', () => {
  let redis: Redis;
  let keys: RedisKeys;
  const pools: UpstreamSlots[] = [];

  /** A pool as one worker process has it. */
  async function pool(limit = 2, maxWaitMs = 5_000): Promise<UpstreamSlots> {
    const slots = new UpstreamSlots({
      redis,
      keys,
      limits: { speech: limit, music: 1 },
      leaseMs: LEASE_MS,
      maxWaitMs,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
    });
    await slots.start();
    pools.push(slots);
    return slots;
  }

  const held = () => redis.zcard(keys.upstreamSlots('speech'));
  const never = new AbortController().signal;

  beforeEach(() => {
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    keys = redisKeys(uniquePrefix('slots'));
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
    await redis.quit();
  });

  it('never grants more than the limit across pools, and hands freed slots to waiters', async () => {
    const a = await pool(2);
    const b = await pool(2);
    const first = await a.acquire('speech', never);
    const second = await b.acquire('speech', never);
    const granted: string[] = [];
    const waitingA = a.acquire('speech', never).then((lease) => {
      granted.push('a');
      return lease;
    });
    const waitingB = b.acquire('speech', never).then((lease) => {
      granted.push('b');
      return lease;
    });
    await sleep(300);
    expect(granted).toEqual([]);
    expect(await held()).toBe(2);

    first.release('completed');
    await expect.poll(() => granted.length, { timeout: 2_000 }).toBe(1);
    expect(await held()).toBe(2);
    second.release('completed');
    await expect.poll(() => granted.length, { timeout: 2_000 }).toBe(2);
    for (const lease of await Promise.all([waitingA, waitingB])) lease.release('completed');
    await expect.poll(held, { timeout: 2_000 }).toBe(0);
  });

  it('keeps classes apart: a full speech class does not block music', async () => {
    const slots = await pool(1);
    const speech = await slots.acquire('speech', never);
    const music = await slots.acquire('music', never);
    expect(await redis.zcard(keys.upstreamSlots('music'))).toBe(1);
    speech.release('completed');
    music.release('completed');
  });

  it('gives a dead holder slot back once its lease expires', async () => {
    // A lease written by a process that was then killed: nobody renews it.
    const time = await redis.time();
    const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
    await redis.zadd(keys.upstreamSlots('speech'), now + LEASE_MS, 'dead-process:1');
    const slots = await pool(1);
    const started = Date.now();
    const lease = await slots.acquire('speech', never);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(LEASE_MS - 200);
    expect(waited).toBeLessThan(LEASE_MS + 1_500);
    lease.release('completed');
  });

  it('renews the leases of live holders, so a long call keeps its slot', async () => {
    const slots = await pool(1);
    const lease = await slots.acquire('speech', never);
    await sleep(LEASE_MS * 3);
    const other = await pool(1, 200);
    await expect(other.acquire('speech', never)).rejects.toBeInstanceOf(SlotWaitTimeoutError);
    expect(lease.lost.aborted).toBe(false);
    lease.release('completed');
  });

  it('a waiter leaves on abort (with its reason), on timeout, and on shutdown', async () => {
    const slots = await pool(1, 300);
    const holder = await slots.acquire('speech', never);
    const controller = new AbortController();
    const aborted = slots.acquire('speech', controller.signal);
    controller.abort('canceled');
    await expect(aborted).rejects.toBe('canceled');
    await expect(slots.acquire('speech', never)).rejects.toBeInstanceOf(SlotWaitTimeoutError);
    const stopping = slots.acquire('speech', never);
    slots.stopWaiting();
    await expect(stopping).rejects.toBeInstanceOf(WorkerStoppingError);
    await expect(slots.acquire('speech', never)).rejects.toBeInstanceOf(WorkerStoppingError);
    holder.release('completed');
    await expect.poll(held, { timeout: 2_000 }).toBe(0);
  });

  it('an aborted call keeps its slot a moment longer: the upstream notices the hang-up late', async () => {
    const slots = await pool(1);
    const lease = await slots.acquire('speech', never);
    lease.release('aborted');
    expect(await held()).toBe(1);
    await expect.poll(held, { timeout: 2_000 }).toBe(0);
  });

  it('stops a call whose lease was lost while the class filled up, and retakes one with room', async () => {
    const slots = await pool(1);
    const lost: SlotLease = await slots.acquire('speech', never);
    // Redis forgot the lease (restart without fsync) and someone else took the slot.
    await redis.del(keys.upstreamSlots('speech'));
    await redis.zadd(keys.upstreamSlots('speech'), Date.now() + 60_000, 'other:1');
    await expect.poll(() => lost.lost.aborted, { timeout: 2_000 }).toBe(true);
    expect(lost.lost.reason).toBeInstanceOf(UpstreamError);
    lost.release('aborted');

    await redis.del(keys.upstreamSlots('speech'));
    const kept = await slots.acquire('speech', never);
    await redis.del(keys.upstreamSlots('speech'));
    await expect.poll(held, { timeout: 2_000 }).toBe(1);
    expect(kept.lost.aborted).toBe(false);
    kept.release('completed');
  });
});
