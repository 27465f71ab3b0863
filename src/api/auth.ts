import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authDisabled, type Config } from '../shared/config.ts';
import { BadRequestError, UnauthorizedError } from '../shared/errors.ts';
import { ownerOfKey, type ApiKeyEntry } from '../shared/tenants/tenant-keys.ts';
import type { ErrorEnvelope } from './error-envelope.ts';

export { ownerOfKey };

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The tenant the request acts for, which owns what it creates: the key's tenant name, a
     * bare key's `key_<16 hex>`, or `local` when auth is off.
     */
    owner: string;
  }
  interface FastifyContextConfig {
    /**
     * Where the route's callers send their key: `xi-api-key` (bare, as the ElevenLabs SDKs
     * send it) on the gateway's routes; `Authorization: Bearer` when absent.
     */
    apiKeyHeader?: 'xi-api-key';
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

export function isPublicRoute(routeUrl: string | undefined): boolean {
  if (routeUrl === undefined) return false;
  return PUBLIC_ROUTES.has(routeUrl) || routeUrl === '/docs' || routeUrl.startsWith('/docs/');
}

/**
 * Resolves an `Authorization` header (or, with `scheme` `bare`, an `xi-api-key` header) to its
 * key's tenant, or null when it names no configured key. Compares sha256 digests with
 * timingSafeEqual against every key (no early exit), so neither the key's content nor its
 * position in the list leaks through timing.
 */
export function createKeyResolver(
  keys: readonly ApiKeyEntry[],
): (header: string | undefined, scheme?: 'bearer' | 'bare') => string | null {
  const known = keys.map(({ key, tenant }) => ({ digest: sha256(key), owner: tenant }));
  return (header, scheme = 'bearer') => {
    const match = (scheme === 'bare' ? /^ *(\S+) *$/ : /^Bearer +(\S+) *$/i).exec(header ?? '');
    if (!match?.[1]) return null;
    const presented = sha256(match[1]);
    let owner: string | null = null;
    for (const candidate of known) {
      if (timingSafeEqual(candidate.digest, presented)) owner = candidate.owner;
    }
    return owner;
  };
}

/** Owner of what an admin request touches (admin routes act on queues, not on resources). */
export const ADMIN_OWNER = 'admin';

/** Operator routes: they take ADMIN_API_KEY, never an API key (matched on the route pattern). */
export function isAdminRoute(routeUrl: string | undefined): boolean {
  return (
    routeUrl !== undefined && (routeUrl.startsWith('/admin/') || routeUrl.startsWith('/v1/admin/'))
  );
}

/**
 * Checks an `Authorization` header against the admin key: `Bearer <key>`, or HTTP Basic with
 * the key as password (any user name) so the queue dashboard works in a browser. Digests are
 * compared in constant time.
 */
export function createAdminCheck(adminKey: string): (header: string | undefined) => boolean {
  const expected = sha256(adminKey);
  return (header) => {
    const bearer = /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1];
    const basic = /^Basic +(\S+) *$/i.exec(header ?? '')?.[1];
    let presented: string | undefined = bearer;
    if (basic !== undefined) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      presented = decoded.slice(decoded.indexOf(':') + 1);
    }
    return presented !== undefined && timingSafeEqual(sha256(presented), expected);
  };
}

/**
 * Sets `request.owner` on every request, refusing non-public routes without a valid key (401).
 * With auth off every request is `local` and Authorization headers are ignored. Admin routes
 * (only registered when ADMIN_API_KEY is set) always require the admin key, auth on or off.
 */
export function registerAuth(app: FastifyInstance, config: Config): void {
  app.decorateRequest('owner', LOCAL_OWNER);
  const isAdmin = config.ADMIN_API_KEY ? createAdminCheck(config.ADMIN_API_KEY) : () => false;
  const resolve = authDisabled(config) ? null : createKeyResolver(config.API_KEYS ?? []);
  app.addHook('onRequest', (request: FastifyRequest, reply, done) => {
    const route = request.routeOptions.url;
    if ((resolve !== null || isAdminRoute(route)) && authorizationCount(request) > 1) {
      // Proxies and servers disagree on which of two to use: refuse rather than guess.
      return done(
        new BadRequestError(
          'Send one Authorization header.',
          [{ field: 'authorization', message: 'is given more than once' }],
          'duplicate_header',
        ),
      );
    }
    if (isAdminRoute(route)) {
      if (isAdmin(request.headers.authorization)) {
        request.owner = ADMIN_OWNER;
        return done();
      }
      // Answered here, not thrown: the dashboard's plugin has an error handler of its own.
      const body: ErrorEnvelope = {
        error: {
          code: 'unauthorized',
          message: 'The admin key is required: send Authorization: Bearer <admin key>.',
          details: [],
          request_id: request.id,
        },
      };
      request.log.info({ code: 'unauthorized', status: 401 }, 'request refused');
      void reply
        .code(401)
        .header('www-authenticate', 'Basic realm="audiobatch admin", charset="UTF-8"')
        .type('application/json; charset=utf-8')
        .send(body);
      return;
    }
    if (resolve === null || isPublicRoute(route)) return done();
    const owner =
      request.routeOptions.config.apiKeyHeader === 'xi-api-key'
        ? resolve(firstValue(request.headers['xi-api-key']), 'bare')
        : resolve(request.headers.authorization);
    if (owner === null) return done(new UnauthorizedError());
    request.owner = owner;
    request.log = request.log.child({ tenant: owner });
    done();
  });
}

/** How many Authorization headers came (Node keeps only the first in `headers`). */
function authorizationCount(request: FastifyRequest): number {
  const raw = request.raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === 'authorization') count++;
  return count;
}

function firstValue(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
