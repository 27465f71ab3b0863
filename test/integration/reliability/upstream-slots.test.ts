import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/shared/logger.ts';
import { createMetrics } from '../../../src/shared/metrics/metrics.ts';
import { redisKeys, type RedisKeys } from '../../../src/shared/redis/keys.ts';
import {
  SlotWaitTimeoutError,
  WorkerStoppingError,
} from '../../../src/workers/slots/slot-errors.ts';
import { defineScripts } from '../../../src/shared/redis/lua-scripts.ts';
import { ACQUIRE_SCRIPT } from '../../../src/workers/slots/slot-scripts.ts';
import { UpstreamSlots, type SlotLease } from '../../../src/workers/slots/upstream-slots.ts';
import { UpstreamError } from '../../../src/workers/upstream/upstream-error.ts';
import { PATIENCE_MS, waitUntil } from '../../support/eventually.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

/**
 * Renewed every LEASE_MS / 3: a holder loses its lease only if its event loop stalls for about
 * two thirds of this, so it must be long enough for a loaded CI machine (GC, other processes).
 */
const LEASE_MS = 1_500;
/** How long an aborted call's slot stays taken (ABORT_RELEASE_DELAY_MS in upstream-slots.ts). */
const ABORT_RELEASE_DELAY_MS = 250;

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
  /** Now on the Redis server's clock, the one lease expiries are written and judged on (ms). */
  const redisNow = async () => {
    const [seconds, micros] = await redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };
  /** The expiries of the leases in the class now, on the Redis clock. */
  const expiries = async () =>
    (await redis.zrange(keys.upstreamSlots('speech'), 0, -1, 'WITHSCORES'))
      .filter((_, i) => i % 2 === 1)
      .map(Number);

  beforeEach(() => {
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    keys = redisKeys(uniquePrefix('slots'));
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
    await redis.quit();
  });

  it('never grants more than the limit across pools, and hands freed slots to waiters', async () => {
    // Every acquire attempt is one ACQUIRE_SCRIPT eval answering 1 (granted) or 0 (full); no
    // other slot script answers 0. Counting the 0s tells when the waiters have asked and been
    // refused, instead of hoping a fixed sleep was long enough for them to ask at all.
    defineScripts(redis, ACQUIRE_SCRIPT);
    const evals = vi.spyOn(
      redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>,
      ACQUIRE_SCRIPT.name,
    );
    const refusals = () =>
      evals.mock.settledResults.filter((r) => r.type === 'fulfilled' && r.value === 0).length;
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
    // Each waiter is refused on its first try and again by its queue's first pump (then on every
    // poll): four refusals mean both have asked Redis while the class was full. (A grant ends the
    // wait too, for the assertion below to name.)
    await waitUntil(
      'both waiters were refused by Redis',
      () => refusals() >= 4 || granted.length > 0,
    );
    expect(granted).toEqual([]);
    expect(await held()).toBe(2);

    first.release('completed');
    await expect.poll(() => granted.length, { timeout: PATIENCE_MS }).toBe(1);
    expect(await held()).toBe(2);
    second.release('completed');
    await expect.poll(() => granted.length, { timeout: PATIENCE_MS }).toBe(2);
    for (const lease of await Promise.all([waitingA, waitingB])) lease.release('completed');
    await expect.poll(held, { timeout: PATIENCE_MS }).toBe(0);
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
    const deadExpiry = (await redisNow()) + LEASE_MS;
    await redis.zadd(keys.upstreamSlots('speech'), deadExpiry, 'dead-process:1');
    // Nobody releases the dead slot, so only the waiters' poll can notice its expiry: a pool that
    // never did would end this wait with SlotWaitTimeoutError. The wait limit is that bound, far
    // above the lease (the slot comes back within a poll of it) even on a loaded machine.
    const slots = await pool(1, PATIENCE_MS);
    const lease = await slots.acquire('speech', never);
    // Not granted before the dead lease expired: the grant wrote `now + LEASE_MS` on the Redis
    // clock (a renewal since then only moves it later). Both sides on one clock: load-proof.
    const [expiry] = await expiries();
    expect(expiry! - LEASE_MS).toBeGreaterThanOrEqual(deadExpiry);
    lease.release('completed');
  });

  it('renews the leases of live holders, so a long call keeps its slot', async () => {
    const slots = await pool(1);
    const lease = await slots.acquire('speech', never);
    // Hold it until the expiry it was first given has passed on the Redis clock, the one that
    // judges it (rather than sleeping and assuming both clocks moved alike).
    const [firstExpiry] = await expiries();
    await waitUntil(
      'the first lease expiry has passed',
      async () => (await redisNow()) > firstExpiry!,
      { intervalMs: 100 },
    );
    // Another process finds the class full: the lease is still valid, not merely not yet purged.
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
    await expect.poll(held, { timeout: PATIENCE_MS }).toBe(0);
  });

  it('an aborted call keeps its slot a moment longer: the upstream notices the hang-up late', async () => {
    const slots = await pool(1, PATIENCE_MS);
    const lease = await slots.acquire('speech', never);
    const releasedAt = await redisNow();
    lease.release('aborted');
    // The next acquire gets the slot only once it is freed. When, on the Redis clock: its lease
    // was written `now + LEASE_MS` at the grant. A lower bound only, which load cannot break
    // (checking "still held" right after release would race the 250 ms timer on a slow machine).
    const next = await slots.acquire('speech', never);
    const [expiry] = await expiries();
    // Both readings are whole ms on the Redis clock: 1 ms of rounding either way.
    expect(expiry! - LEASE_MS - releasedAt).toBeGreaterThanOrEqual(ABORT_RELEASE_DELAY_MS - 2);
    next.release('completed');
    await expect.poll(held, { timeout: PATIENCE_MS }).toBe(0);
  });

  it('stops a call whose lease was lost while the class filled up, and retakes one with room', async () => {
    const slots = await pool(1);
    const lost: SlotLease = await slots.acquire('speech', never);
    // Redis forgot the lease (restart without fsync) and someone else took the slot.
    await redis.del(keys.upstreamSlots('speech'));
    await redis.zadd(keys.upstreamSlots('speech'), Date.now() + 60_000, 'other:1');
    await expect.poll(() => lost.lost.aborted, { timeout: PATIENCE_MS }).toBe(true);
    expect(lost.lost.reason).toBeInstanceOf(UpstreamError);
    lost.release('aborted');

    await redis.del(keys.upstreamSlots('speech'));
    const kept = await slots.acquire('speech', never);
    await redis.del(keys.upstreamSlots('speech'));
    await expect.poll(held, { timeout: PATIENCE_MS }).toBe(1);
    expect(kept.lost.aborted).toBe(false);
    kept.release('completed');
  });
});
