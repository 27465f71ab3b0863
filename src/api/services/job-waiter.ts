import { duplicateRedis, type Redis } from '../../shared/redis/connections.ts';
import type { Logger } from '../../shared/logger.ts';

/**
 * Wakes long-polling `GET /v1/jobs/{id}?wait=` requests when a worker publishes that a job
 * finished. One subscriber connection per app, opened on the first wait and closed with the
 * app. Pub/sub is best effort (a message published while we reconnect is lost), so callers
 * re-read the record on a timer as well; this only makes the common case immediate.
 */
export class JobWaiter {
  readonly #listeners = new Map<string, Set<() => void>>();
  #subscriber: Redis | null = null;
  #ready: Promise<void> | null = null;
  #closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Resolves when `jobId` is announced as finished, after `timeoutMs`, or when `signal`
   * aborts (the client went away) — whichever comes first. Never rejects.
   */
  async next(jobId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#closed || signal?.aborted) return;
    const started = Date.now();
    await withTimeout(this.#subscribe(), timeoutMs);
    const remaining = timeoutMs - (Date.now() - started);
    if (remaining <= 0 || this.#closed) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#off(jobId, done);
        resolve();
      };
      const timer = setTimeout(done, remaining);
      signal?.addEventListener('abort', done, { once: true });
      this.#on(jobId, done);
    });
  }

  /** Closes the subscriber and releases every waiting request. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const listeners of this.#listeners.values()) for (const wake of listeners) wake();
    this.#listeners.clear();
    // disconnect, not quit: quit would wait for a Redis that may be gone.
    this.#subscriber?.disconnect();
    this.#subscriber = null;
    await Promise.resolve();
  }

  #subscribe(): Promise<void> {
    if (this.#ready) return this.#ready;
    // A subscriber only sends SUBSCRIBE: let it queue while connecting and resubscribe after a
    // reconnect, unlike the intake's fail-fast command connection it is duplicated from.
    const subscriber = duplicateRedis(this.redis, {
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      connectionName: 'audiobatch:intake-wait',
    });
    subscriber.on('error', (error: Error) =>
      this.logger.debug({ err: error }, 'wait subscriber error'),
    );
    subscriber.on('message', (_channel: string, jobId: string) => {
      for (const wake of [...(this.#listeners.get(jobId) ?? [])]) wake();
    });
    this.#subscriber = subscriber;
    this.#ready = subscriber.subscribe(this.channel).then(
      () => undefined,
      (error: unknown) => this.logger.warn({ err: error }, 'could not subscribe to job-finished'),
    );
    return this.#ready;
  }

  #on(jobId: string, wake: () => void): void {
    const listeners = this.#listeners.get(jobId) ?? new Set();
    listeners.add(wake);
    this.#listeners.set(jobId, listeners);
  }

  #off(jobId: string, wake: () => void): void {
    const listeners = this.#listeners.get(jobId);
    listeners?.delete(wake);
    if (listeners?.size === 0) this.#listeners.delete(jobId);
  }
}

/** Waits for `promise` at most `ms`; the timer never outlives the wait. */
async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
