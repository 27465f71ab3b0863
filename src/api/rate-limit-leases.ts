import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Redis } from '../shared/redis/connections.ts';
import { luaScript, runScript } from '../shared/redis/lua-scripts.ts';

/**
 * Requests of a window one api process reserves at a time: 1 % of the limit, at least 1. So
 * at most 1 % of a tenant's budget per process can sit reserved but unused when a window ends
 * (the tenant is then served a little less than the limit, never more), and a process asks
 * Redis once per 1 % of the limit instead of once per request.
 */
export function leaseSize(max: number): number {
  return Math.max(1, Math.floor(max / 100));
}

/**
 * Reserves up to ARGV[2] requests of the window in KEYS[1] (ARGV[1] ms long), never past the
 * limit ARGV[3]: {reserved by everyone now, granted to this caller, ms left in the window}.
 * The counter is the same as @fastify/rate-limit's own Redis store keeps (one INCR per
 * request), so processes of the previous release share the budget with this one.
 */
const RESERVE = luaScript(
  'rate_limit_reserve',
  `
local reserved = tonumber(redis.call('GET', KEYS[1]) or '0')
local granted = math.min(tonumber(ARGV[2]), math.max(tonumber(ARGV[3]) - reserved, 0))
if granted > 0 then reserved = redis.call('INCRBY', KEYS[1], granted) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  ttl = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return {reserved, granted, ttl}
`,
);

/** This process's share of one key's window. */
interface Lease {
  /** `Date.now()` when the window ends in Redis. */
  windowEnd: number;
  /** Requests reserved in the window by every process before this lease. */
  before: number;
  granted: number;
  /** What was asked: a smaller grant means the window has nothing left for anyone. */
  asked: number;
  taken: number;
}

/** What @fastify/rate-limit needs of a count: `current > max` is refused. */
export interface WindowCount {
  current: number;
  /** Milliseconds left in the window (Retry-After, RateLimit-Reset). */
  ttl: number;
}

/**
 * Fixed-window request counts shared by every api process through Redis, taken from leases:
 * a process reserves a slice of a key's window ({@link leaseSize}) in one script call and
 * serves from it locally, so most requests cost no Redis round trip. The shared guarantee is
 * unchanged: all processes together never serve more than `max` per window, because every
 * request served was reserved in Redis first. A window that ran out is refused locally until
 * it ends: a limited client costs no Redis call either.
 */
export class RateLimitLeases {
  private readonly leases = new Map<string, Lease>();
  private readonly reserving = new Map<string, Promise<void>>();

  constructor(private readonly redis: Redis) {}

  /** Counts one request against `key`'s window of `windowMs` holding at most `max`. */
  async count(key: string, windowMs: number, max: number): Promise<WindowCount> {
    for (;;) {
      const counted = this.takeLocal(key, Date.now());
      if (counted) return counted;
      // Requests arriving while a reservation is in flight wait for it rather than reserve
      // again, which would set aside leases nobody may use.
      await (this.reserving.get(key) ?? this.reserve(key, windowMs, max));
    }
  }

  private takeLocal(key: string, now: number): WindowCount | undefined {
    const lease = this.leases.get(key);
    if (lease === undefined || now >= lease.windowEnd) return undefined;
    const exhausted = lease.granted < lease.asked;
    if (lease.taken >= lease.granted && !exhausted) return undefined;
    lease.taken += 1;
    // Other processes' unused leases count as used: the figure errs towards the limit.
    return { current: lease.before + lease.taken, ttl: lease.windowEnd - now };
  }

  private reserve(key: string, windowMs: number, max: number): Promise<void> {
    const asked = leaseSize(max);
    const reservation = runScript(this.redis, RESERVE, [key], [windowMs, asked, max])
      .then((reply) => {
        const [reserved, granted, ttl] = reply as [number, number, number];
        const now = Date.now();
        this.forgetEnded(now);
        this.leases.set(key, {
          windowEnd: now + ttl,
          before: reserved - granted,
          granted,
          asked,
          taken: 0,
        });
      })
      .finally(() => this.reserving.delete(key));
    this.reserving.set(key, reservation);
    return reservation;
  }

  /** Drops leases of ended windows (one per tenant seen in the last window at most). */
  private forgetEnded(now: number): void {
    for (const [key, lease] of this.leases) if (now >= lease.windowEnd) this.leases.delete(key);
  }
}

/**
 * @fastify/rate-limit's store over {@link RateLimitLeases}, keys under `prefix`. Per-route
 * limits (`config.rateLimit` on a route) are not used here, so `child` refuses them rather
 * than count them in the global window.
 */
export function leasedStore(redis: Redis, prefix: string): FastifyRateLimitStoreCtor {
  const leases = new RateLimitLeases(redis);
  return class LeasedStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: WindowCount) => void,
      timeWindow: number,
      max: number,
    ): void {
      leases.count(prefix + key, timeWindow, max).then(
        (counted) => callback(null, counted),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }

    child(): FastifyRateLimitStore {
      throw new Error('per-route rate limits are not supported: one budget per tenant');
    }
  };
}
