import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * `METRICS_AUTH`: how `/metrics` (the api's, and a worker's METRICS_PORT listener) is
 * protected. Only `bearer:<token>` for now: what Prometheus' `authorization` scrape setting
 * sends. The scheme is spelled out so another (basic) can be added without a new key.
 */
export const metricsAuthSchema = z
  .string()
  .regex(/^bearer:\S{16,}$/, 'must be bearer:<token>, the token at least 16 characters')
  .transform((value) => ({ scheme: 'bearer' as const, token: value.slice('bearer:'.length) }));
export type MetricsAuth = z.output<typeof metricsAuthSchema>;

/** Whether an `Authorization` header may read `/metrics`. */
export type MetricsAuthCheck = (authorization: string | undefined) => boolean;

/** The message a refused scrape gets. */
export const METRICS_UNAUTHORIZED =
  '/metrics requires the METRICS_AUTH token: send Authorization: Bearer <token>.';

/**
 * The check for a METRICS_AUTH setting; without one `/metrics` stays public (like the probes,
 * which are always public: orchestrators probe without credentials). Digests are compared in
 * constant time.
 */
export function metricsAuthCheck(auth: MetricsAuth | undefined): MetricsAuthCheck {
  if (auth === undefined) return () => true;
  const expected = sha256(auth.token);
  return (header) => {
    const presented = /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1];
    return presented !== undefined && timingSafeEqual(sha256(presented), expected);
  };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
