import type { UpstreamErrorKind } from './upstream/upstream-error.ts';

/**
 * What to do with an upstream answer that is not a success, by HTTP status and error code
 * (upstream.md, "Errors"). Kept as data so the table test reads like the spec.
 */
export function classifyUpstreamFailure(
  status: number,
  codes: readonly string[],
): UpstreamErrorKind {
  const has = (...wanted: string[]) => codes.some((code) => wanted.includes(code));
  if (status === 429) {
    if (has('too_many_concurrent_requests', 'concurrent_limit_exceeded')) return 'concurrency';
    return 'retryable'; // system_busy, rate_limit_exceeded, or an unknown 429
  }
  if (status === 401 && has('quota_exceeded')) return 'quota';
  if (status === 408 || status >= 500) return 'retryable';
  return 'fatal';
}

/** Network-level failures of undici that a new attempt can cure. */
const RETRYABLE_NETWORK_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_INFO',
]);

export function isRetryableNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (RETRYABLE_NETWORK_CODES.has(code) || code.startsWith('HPE_'));
}

export const MAX_BACKOFF_MS = 60_000;

/**
 * Exponential backoff with full jitter: uniform in [0, min(cap, base·2^(n−1))], so many jobs
 * failing together do not retry together. A `Retry-After` from the upstream is a floor.
 */
export function backoffDelayMs(
  attemptsMade: number,
  baseMs: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number {
  const jittered = Math.floor(random() * backoffCeilingMs(attemptsMade, baseMs));
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** The upper bound of the jittered delay after `attemptsMade` attempts: base·2^(n−1), capped. */
export function backoffCeilingMs(attemptsMade: number, baseMs: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attemptsMade - 1));
}

/** `Retry-After` as seconds or an HTTP date, in ms; null when absent or unreadable. */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now(),
): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
