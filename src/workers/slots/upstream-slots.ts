import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from '../../shared/redis/connections.ts';
import { JOB_CLASSES, type JobClass } from '../../shared/jobs/job-types.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import { classLabels } from '../../shared/metrics/queue-metrics.ts';
import { classQueueId } from '../../shared/queue/queues.ts';
import type { RedisKeys } from '../../shared/redis/keys.ts';
import { runScript } from '../../shared/redis/lua-scripts.ts';
import { slotLostError, SlotWaitTimeoutError, WorkerStoppingError } from './slot-errors.ts';
import { ACQUIRE_SCRIPT, RELEASE_SCRIPT, RENEW_SCRIPT } from './slot-scripts.ts';

/** One held account slot. */
export interface SlotLease {
  /** Aborted when the lease was lost: the call holding it must stop. */
  readonly lost: AbortSignal;
  /**
   * Frees the slot (idempotent). `aborted`: we hung up on the upstream, which notices a moment
   * later; the slot is freed after that moment so the account never sees one call too many.
   */
  release(how: 'completed' | 'aborted'): void;
}

export interface UpstreamSlotsOptions {
  /** A worker-role connection (waits out Redis outages). */
  redis: Redis;
  keys: RedisKeys;
  /** The upstream account whose slots these are (its own pool per class); default `default`. */
  account?: string;
  limits: Record<JobClass, number>;
  /** Lifetime of a lease without renewal: how soon a killed process's slots come back. */
  leaseMs: number;
  /** Longest wait for a slot before SlotWaitTimeoutError. */
  maxWaitMs: number;
  logger: Logger;
  metrics: Metrics;
}

interface Waiter {
  id: string;
  startedAt: number;
  settled: boolean;
  resolve(lease: SlotLease): void;
  reject(error: unknown): void;
}

/** Waiters also retry on this period: covers leases that expired and lost release messages. */
const POLL_MS = 250;
/** How long an aborted call's slot stays taken after we hung up (see SlotLease.release). */
const ABORT_RELEASE_DELAY_MS = 250;
/** How long close() waits for the last releases to reach Redis. */
const CLOSE_WAIT_MS = 2_000;

/**
 * The account's concurrency limit as a Redis lease pool shared by every worker process. A slot
 * is held only around the upstream call itself (request start to the body's end), so cache hits,
 * input fetches and storage work never keep one from another call. Leases carry an expiry on the
 * Redis clock and are renewed while the holder lives: a killed worker's slots come back once its
 * leases expire (WORKER_LOCK_DURATION_MS, the same time its jobs take to come back).
 *
 * Waiters queue FIFO per process; a release anywhere publishes on a channel and wakes them, and
 * a short poll covers what a message cannot (expired leases, a message lost in a reconnect).
 */
export class UpstreamSlots {
  readonly #options: UpstreamSlotsOptions;
  readonly #instance = randomBytes(6).toString('hex');
  readonly #held = new Map<string, { jobClass: JobClass; lost: AbortController }>();
  readonly #waiters: Record<JobClass, Waiter[]> = { speech: [], music: [] };
  readonly #pumping: Record<JobClass, 'idle' | 'busy' | 'again'> = {
    speech: 'idle',
    music: 'idle',
  };
  readonly #pendingReleases = new Set<Promise<unknown>>();
  readonly #delayed = new Map<string, { jobClass: JobClass; timer: NodeJS.Timeout }>();
  #subscriber: Redis | null = null;
  #timers: NodeJS.Timeout[] = [];
  #stopping = false;
  #sequence = 0;

  constructor(options: UpstreamSlotsOptions) {
    this.#options = options;
  }

  /** Subscribes to release messages and starts lease renewal and the waiters' poll. */
  async start(): Promise<void> {
    const subscriber = this.#options.redis.duplicate();
    this.#subscriber = subscriber;
    subscriber.on('error', (error) =>
      this.#options.logger.debug({ err: error }, 'slot subscriber error'),
    );
    // Every account's releases come on the one channel, each named by its class queue id.
    subscriber.on('message', (_channel, id: string) => {
      const jobClass = JOB_CLASSES.find((one) => this.#poolId(one) === id);
      if (jobClass) this.#pump(jobClass);
    });
    await subscriber.subscribe(this.#options.keys.slotReleasedChannel);
    const renewEvery = Math.max(100, Math.floor(this.#options.leaseMs / 3));
    this.#timers.push(setInterval(() => void this.#renew(), renewEvery));
    this.#timers.push(
      setInterval(() => {
        for (const jobClass of JOB_CLASSES)
          if (this.#waiters[jobClass].length) this.#pump(jobClass);
      }, POLL_MS),
    );
  }

  /**
   * A slot of `jobClass`, once one is free. Rejects with `signal`'s reason when it aborts, with
   * SlotWaitTimeoutError after UPSTREAM_SLOT_WAIT_MS, with WorkerStoppingError during shutdown.
   */
  async acquire(jobClass: JobClass, signal: AbortSignal): Promise<SlotLease> {
    signal.throwIfAborted();
    if (this.#stopping) throw new WorkerStoppingError();
    const id = `${this.#instance}:${process.pid}:${++this.#sequence}`;
    const startedAt = performance.now();
    if (this.#waiters[jobClass].length === 0 && (await this.#tryAcquire(jobClass, id))) {
      if (signal.aborted) {
        this.#releaseNow(jobClass, id);
        throw signal.reason;
      }
      return this.#lease(jobClass, id, startedAt);
    }
    return new Promise<SlotLease>((resolve, reject) => {
      const timer = setTimeout(
        () => settle(new SlotWaitTimeoutError(this.#options.maxWaitMs)),
        this.#options.maxWaitMs,
      );
      const onAbort = () => settle(signal.reason);
      const settle = (error: unknown, lease?: SlotLease) => {
        if (waiter.settled) return;
        waiter.settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const queue = this.#waiters[jobClass];
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        if (lease) resolve(lease);
        // The abort reason as given: BullMQ's cancel reasons are strings the processor reads.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        else reject(error);
      };
      const waiter: Waiter = {
        id,
        startedAt,
        settled: false,
        resolve: (lease) => settle(null, lease),
        reject: (error) => settle(error),
      };
      // The signal may have fired, or shutdown begun, while the fast path talked to Redis.
      if (signal.aborted) return onAbort();
      if (this.#stopping) return settle(new WorkerStoppingError());
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters[jobClass].push(waiter);
      this.#pump(jobClass);
    });
  }

  /** Shutdown: jobs still waiting for a slot (and any that ask later) go back to the queue. */
  stopWaiting(): void {
    this.#stopping = true;
    for (const jobClass of JOB_CLASSES) {
      for (const waiter of [...this.#waiters[jobClass]]) waiter.reject(new WorkerStoppingError());
    }
  }

  /** Stops timers and the subscriber after the last release reached Redis. */
  async close(): Promise<void> {
    this.stopWaiting();
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    for (const [id, held] of [...this.#held]) {
      this.#options.metrics.upstreamInFlight.dec(this.#labels(held.jobClass));
      this.#releaseNow(held.jobClass, id);
    }
    this.#held.clear();
    for (const [id, delayed] of [...this.#delayed]) {
      clearTimeout(delayed.timer);
      this.#releaseNow(delayed.jobClass, id);
    }
    this.#delayed.clear();
    // Redis may be down: a release still queued frees itself when its lease expires.
    await Promise.race([Promise.allSettled([...this.#pendingReleases]), sleep(CLOSE_WAIT_MS)]);
    this.#subscriber?.disconnect();
    this.#subscriber = null;
  }

  /** Leases this process holds now, by class (tests, metrics). */
  heldCount(jobClass: JobClass): number {
    let count = 0;
    for (const held of this.#held.values()) if (held.jobClass === jobClass) count += 1;
    return count;
  }

  /** The class queue id naming this account's pool of a class (its key, its release messages). */
  #poolId(jobClass: JobClass): string {
    return classQueueId(jobClass, this.#options.account);
  }

  #labels(jobClass: JobClass) {
    return classLabels(jobClass, this.#options.account);
  }

  async #tryAcquire(jobClass: JobClass, id: string): Promise<boolean> {
    const { redis, keys, limits, leaseMs } = this.#options;
    const granted = await runScript(
      redis,
      ACQUIRE_SCRIPT,
      [keys.upstreamSlots(this.#poolId(jobClass))],
      [id, limits[jobClass], leaseMs],
    );
    return granted === 1;
  }

  /** Grants waiters in FIFO order until the class is full. One pump per class at a time. */
  #pump(jobClass: JobClass): void {
    if (this.#pumping[jobClass] !== 'idle') {
      this.#pumping[jobClass] = 'again';
      return;
    }
    this.#pumping[jobClass] = 'busy';
    void this.#drain(jobClass)
      .catch((error: unknown) =>
        this.#options.logger.debug({ err: error, class: jobClass }, 'slot pump failed'),
      )
      .finally(() => {
        const again = this.#pumping[jobClass] === 'again';
        this.#pumping[jobClass] = 'idle';
        if (again && this.#waiters[jobClass].length) this.#pump(jobClass);
      });
  }

  async #drain(jobClass: JobClass): Promise<void> {
    const queue = this.#waiters[jobClass];
    while (queue.length > 0) {
      const waiter = queue[0]!;
      if (!(await this.#tryAcquire(jobClass, waiter.id))) return;
      // The waiter may have left (abort, timeout) while Redis answered: give the slot back.
      if (waiter.settled) this.#releaseNow(jobClass, waiter.id);
      else waiter.resolve(this.#lease(jobClass, waiter.id, waiter.startedAt));
    }
  }

  #lease(jobClass: JobClass, id: string, startedAt: number): SlotLease {
    const lost = new AbortController();
    this.#held.set(id, { jobClass, lost });
    const { metrics } = this.#options;
    metrics.slotWait.observe(this.#labels(jobClass), (performance.now() - startedAt) / 1000);
    metrics.upstreamInFlight.inc(this.#labels(jobClass));
    let released = false;
    return {
      lost: lost.signal,
      release: (how) => {
        if (released) return;
        released = true;
        this.#held.delete(id);
        metrics.upstreamInFlight.dec(this.#labels(jobClass));
        if (how === 'completed') return this.#releaseNow(jobClass, id);
        const timer = setTimeout(() => {
          this.#delayed.delete(id);
          this.#releaseNow(jobClass, id);
        }, ABORT_RELEASE_DELAY_MS);
        this.#delayed.set(id, { jobClass, timer });
      },
    };
  }

  #releaseNow(jobClass: JobClass, id: string): void {
    const { redis, keys } = this.#options;
    const pool = this.#poolId(jobClass);
    const release = runScript(
      redis,
      RELEASE_SCRIPT,
      [keys.upstreamSlots(pool), keys.slotReleasedChannel],
      [id, pool],
    ).catch((error: unknown) =>
      this.#options.logger.warn(
        { err: error, class: jobClass },
        'could not release an upstream slot; it frees itself when its lease expires',
      ),
    );
    this.#pendingReleases.add(release);
    void release.finally(() => this.#pendingReleases.delete(release));
  }

  async #renew(): Promise<void> {
    const { redis, keys, limits, leaseMs, logger } = this.#options;
    for (const jobClass of JOB_CLASSES) {
      const ids = [...this.#held].filter(([, h]) => h.jobClass === jobClass).map(([id]) => id);
      if (ids.length === 0) continue;
      try {
        const lost = (await runScript(
          redis,
          RENEW_SCRIPT,
          [keys.upstreamSlots(this.#poolId(jobClass))],
          [limits[jobClass], leaseMs, ...ids],
        )) as string[];
        for (const id of lost) {
          logger.warn({ class: jobClass }, 'upstream slot lease lost: stopping its call');
          this.#held.get(id)?.lost.abort(slotLostError());
        }
      } catch (error) {
        logger.debug({ err: error, class: jobClass }, 'slot renewal failed; retrying');
      }
    }
  }
}
