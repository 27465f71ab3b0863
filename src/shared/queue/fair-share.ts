import type { Queue } from 'bullmq';
import type { Redis } from '../redis/connections.ts';
import { redisKeys } from '../redis/keys.ts';
import { luaScript, runScript } from '../redis/lua-scripts.ts';
import type { QueuePayload } from './queues.ts';
import type { TenantWeightMap } from '../tenants/tenant-weights.ts';

/**
 * Fair share of an account's queue between tenants, on BullMQ's own priorities (start-time fair
 * queueing): each tenant has a virtual clock per queue; a reservation of n jobs takes the next
 * n ticks after max(its clock, the queue's clock). The queue's clock is the last round served
 * in full: one below the priority at the head of BullMQ's `prioritized` set. A tenant with
 * 50,000 jobs queued has reserved ticks far ahead; a tenant arriving later gets the head's
 * round, so its first job lands behind at most one queued job of each other tenant. Workers
 * keep taking the lowest priority first (and, among equal ones, the earliest added).
 */

/** BullMQ's highest priority (2^21 − 1): what a reservation past it is clamped to. */
export const MAX_PRIORITY = 2_097_151;

/** The hash field holding the queue's clock: `#` is no tenant name's (tenant-keys.ts). */
const QUEUE_CLOCK_FIELD = '#queue';

// KEYS: the queue's clocks (a hash, tenant → clock), the queue's BullMQ `prioritized` zset.
// ARGV: tenant, n, weight. BullMQ ≥5 scores a prioritized job priority * 2^32 + a counter
// (includes/getPriorityScore.lua), so the head's priority is its score / 2^32. The queue's
// clock never goes back (a retry promoted with an old, low priority must not let newcomers
// jump everyone), and starts over when nothing prioritized is left: no one's reservation is
// pending then, so old clocks would only push everyone's priorities towards the cap.
// Returns the clock the reservation starts at, as a string (Lua numbers become integers).
const reserveScript = luaScript(
  'fair_share_reserve',
  `
local head = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local queueClock = 0
if head[1] == nil then
  redis.call('DEL', KEYS[1])
else
  queueClock = math.floor(tonumber(head[2]) / 4294967296) - 1
  local kept = tonumber(redis.call('HGET', KEYS[1], '${QUEUE_CLOCK_FIELD}') or '0')
  if kept > queueClock then queueClock = kept end
end
local start = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if queueClock > start then start = queueClock end
local n, weight = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('HSET', KEYS[1], '${QUEUE_CLOCK_FIELD}', queueClock, ARGV[1], start + n / weight)
return tostring(start)
`,
);

/** Reserves BullMQ priorities for a tenant's new work items in an account's class queue. */
export class FairShare {
  /** TENANT_WEIGHTS: a tenant's clock advances by 1/weight a job (default 1). */
  readonly #weights: TenantWeightMap;
  // Each queue's clocks key, made once: building a prefix's whole key set for it on every
  // reservation was 3 % of a single job intake's garbage.
  readonly #clocksKeys = new WeakMap<Queue<QueuePayload>, string>();

  constructor(weights: TenantWeightMap = new Map()) {
    this.#weights = weights;
  }

  #clocksKey(queue: Queue<QueuePayload>): string {
    let key = this.#clocksKeys.get(queue);
    if (key === undefined) {
      // The queue's prefix is the deployment's (a hash tag on a Cluster): one slot for both keys.
      key = redisKeys(queue.opts.prefix ?? 'bull').fairShareClocks(queue.name);
      this.#clocksKeys.set(queue, key);
    }
    return key;
  }

  /**
   * The priorities of `count` work items `tenant` is about to add to `queue`, in their order
   * (non-decreasing: BullMQ keeps insertion order among equal priorities, so a tenant's items
   * keep theirs). One EVALSHA on the queue's connection, before the MULTI that adds them: a
   * MULTI that then fails has only advanced the tenant's clock, which costs it a little place.
   */
  async reserve(queue: Queue<QueuePayload>, tenant: string, count: number): Promise<number[]> {
    if (count === 0) return [];
    const weight = this.#weights.get(tenant) ?? 1;
    const client = (await queue.getBackend().client) as unknown as Redis;
    const clocks = this.#clocksKey(queue);
    const keys = [clocks, queue.toKey('prioritized')];
    const start = Number(await runScript(client, reserveScript, keys, [tenant, count, weight]));
    return Array.from({ length: count }, (_, i) => priorityAt(start, i + 1, weight));
  }
}

/**
 * The i-th (from 1) reserved tick from `start`, as a BullMQ priority: an integer ≥ 1. Past
 * {@link MAX_PRIORITY} it is clamped: those items are served after everything below the cap and
 * among themselves in plain FIFO order, until the queue drains and the clocks start over.
 */
export function priorityAt(start: number, i: number, weight: number): number {
  // The epsilon absorbs float error of fractional clocks (weights other than 1).
  const tick = Math.ceil(start + i / weight - 1e-9);
  return Math.min(Math.max(tick, 1), MAX_PRIORITY);
}
