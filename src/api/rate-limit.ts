import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Redis } from '../shared/redis/connections.ts';
import type { Config } from '../shared/config.ts';
import { TooManyRequestsError } from '../shared/errors.ts';
import type { RedisKeys } from '../shared/redis/keys.ts';
import { isAdminRoute, isPublicRoute } from './auth.ts';
import { leasedStore } from './rate-limit-leases.ts';

/** The limiter's window: RATE_LIMIT_PER_MINUTE is per minute. */
const WINDOW_MS = 60_000;

/**
 * RATE_LIMIT_PER_MINUTE per tenant, counted in Redis so every api process shares one budget.
 * Each process reserves 1 % of the budget at a time (rate-limit-leases.ts): a request costs a
 * Redis call once per lease, not every time (a read was two round trips, the limit and the
 * record, against none for /healthz). Runs after auth (its hooks are route-level, auth's is
 * global), so it counts per tenant, before the body is read: a limited client costs at most
 * one Redis call, never a parse. Probes, metrics, docs and admin routes are never limited.
 *
 * When Redis cannot answer, the limiter lets the request through (fail open) rather than
 * answer 503 itself: every route it protects needs Redis too and answers 503 on its own, so
 * nothing gets through unlimited that could load Redis, while a limiter hiccup alone (a slow
 * command) never becomes an outage.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  deps: { config: Config; redis: Redis; keys: RedisKeys },
): Promise<void> {
  await app.register(rateLimit, {
    max: deps.config.RATE_LIMIT_PER_MINUTE,
    timeWindow: WINDOW_MS,
    store: leasedStore(deps.redis, deps.keys.rateLimitPrefix),
    skipOnError: true,
    // RateLimit-Limit / -Remaining / -Reset, and Retry-After on a 429.
    enableDraftSpec: true,
    keyGenerator: (request) => `tenant:${request.owner}`,
    allowList: (request) => {
      const route = request.routeOptions.url;
      return isPublicRoute(route) || isAdminRoute(route);
    },
    errorResponseBuilder: (_request, context) =>
      new TooManyRequestsError(
        'rate_limited',
        `Too many requests: at most ${context.max} per minute for this tenant. Retry in ${context.after}.`,
        Math.ceil(context.ttl / 1000),
      ),
  });
}
