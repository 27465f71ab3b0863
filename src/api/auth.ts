import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authDisabled, type Config } from '../shared/config.ts';
import { UnauthorizedError } from '../shared/errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts for: `key_<16 hex>` from the API key, or `local` when auth is off. */
    owner: string;
  }
}

/** Owner of everything created without auth (local development). */
export const LOCAL_OWNER = 'local';

/**
 * Routes open without a key: probes and metrics scrape without credentials, and the API's own
 * description is public. Matched on the route pattern, never the raw URL, so path tricks
 * (`/docs/../v1/jobs`) cannot borrow a public route's openness.
 */
const PUBLIC_ROUTES = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);

function isPublicRoute(routeUrl: string | undefined): boolean {
  if (routeUrl === undefined) return false;
  return PUBLIC_ROUTES.has(routeUrl) || routeUrl === '/docs' || routeUrl.startsWith('/docs/');
}

/**
 * The owner id for a key: a digest prefix, so records and Redis keys never hold the key itself,
 * and the same key always finds its own resources again.
 */
export function ownerOfKey(key: string): string {
  return `key_${sha256(key).toString('hex').slice(0, 16)}`;
}

/**
 * Resolves an `Authorization` header to an owner, or null when it names no configured key.
 * Compares sha256 digests with timingSafeEqual against every key (no early exit), so neither
 * the key's content nor its position in the list leaks through timing.
 */
export function createKeyResolver(
  keys: readonly string[],
): (header: string | undefined) => string | null {
  const known = keys.map((key) => ({ digest: sha256(key), owner: ownerOfKey(key) }));
  return (header) => {
    const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
    if (!match?.[1]) return null;
    const presented = sha256(match[1]);
    let owner: string | null = null;
    for (const candidate of known) {
      if (timingSafeEqual(candidate.digest, presented)) owner = candidate.owner;
    }
    return owner;
  };
}

/**
 * Sets `request.owner` on every request, refusing non-public routes without a valid key (401).
 * With auth off every request is `local` and Authorization headers are ignored.
 */
export function registerAuth(app: FastifyInstance, config: Config): void {
  app.decorateRequest('owner', LOCAL_OWNER);
  if (authDisabled(config)) return;
  const resolve = createKeyResolver(config.API_KEYS ?? []);
  app.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
    if (isPublicRoute(request.routeOptions.url)) return done();
    const owner = resolve(request.headers.authorization);
    if (owner === null) return done(new UnauthorizedError());
    request.owner = owner;
    done();
  });
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
