import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How long a test waits for something that should happen "soon" (a message delivered, a process
 * noticing a restart, a record written). That takes milliseconds here, but CI is a loaded 2-core
 * machine shared with other jobs: a deadline is the verdict "it is not going to happen", never a
 * speed target. Tests that assert speed do so against the timeout the broken behaviour would hit.
 */
export const PATIENCE_MS = 20_000;

export interface WaitOptions {
  /** Give up after this long. Default PATIENCE_MS. */
  timeoutMs?: number;
  /** Pause between checks. Default 25 ms. */
  intervalMs?: number;
}

/**
 * Polls `check` until it holds; throws naming `what` once `timeoutMs` has passed. An error thrown
 * by `check` ends the wait at once (catch it in `check` to keep polling through failures).
 * Timed with performance.now(), so a test that fakes Date does not stop the clock of its waits.
 */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  options: WaitOptions = {},
): Promise<void> {
  const { timeoutMs = PATIENCE_MS, intervalMs = 25 } = options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    // A check that hangs (a request with no answer, a command queued on a client that waits
    // out an outage) must still end the wait at its deadline, named, not at the test timeout.
    const remaining = Math.max(deadline - performance.now(), 0) + intervalMs;
    if (await settlesWithin(`waiting until ${what}, a check`, Promise.resolve(check()), remaining))
      return;
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * `promise`'s outcome, or an error naming `what` if it has not settled within `ms`. For "this
 * ends instead of hanging": pick `ms` far above the time it takes and below the time the broken
 * behaviour would take (often forever), and say so where it is used.
 */
export async function settlesWithin<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  const timeout = new AbortController();
  try {
    return await Promise.race([
      promise,
      sleep(ms, undefined, { signal: timeout.signal }).then(() => {
        throw new Error(`${what}: not settled after ${ms} ms`);
      }),
    ]);
  } finally {
    timeout.abort();
  }
}
