import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TooManyRequestsError } from '../shared/errors.ts';
import { describeError, type ErrorEnvelope } from './error-envelope.ts';

/** What a 503 tells clients to wait before trying again: Redis outages and overload pass fast. */
const RETRY_AFTER_SECONDS = 2;

/**
 * The one place errors become responses: every route, the 404 handler, body parsing and
 * validation end here, so every failure has the same envelope. 5xx details go to the log only.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const described = describeError(error);
    if (described.status === 503) {
      // An outage, not a bug: one line per request, the cause kept for diagnosis.
      request.log.warn({ err: error, code: described.code }, 'backend unavailable');
    } else if (described.status >= 500) {
      request.log.error({ err: error, code: described.code }, 'request failed');
    } else {
      request.log.info({ code: described.code, status: described.status }, 'request refused');
    }
    // After a 413 or 415 the rest of the body is still on the wire: close rather than read it.
    if (described.status === 413 || described.status === 415) reply.header('connection', 'close');
    if (error instanceof TooManyRequestsError && error.retryAfterSeconds !== null)
      if (!reply.hasHeader('retry-after')) reply.header('retry-after', error.retryAfterSeconds);
    // Overload and outages are temporary: say when to come back (RFC 9110, seconds).
    if (described.status === 503 && !reply.hasHeader('retry-after'))
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
    return sendError(request, reply, described.status, {
      code: described.code,
      message: described.message,
      details: described.details,
    });
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, 404, {
      code: 'not_found',
      message: `No route ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}.`,
      details: [],
    }),
  );
}

/**
 * Errors the router raises before any route or hook runs (a path that is not valid
 * percent-encoding, `FST_ERR_BAD_URL`): Fastify answers those itself, in its own shape and
 * echoing the URL (query string and all), unless given this. Passed as `frameworkErrors`.
 */
export function frameworkErrorHandler(
  error: Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  request.log.info(
    { code: 'bad_request', status: 400, err_code: (error as { code?: unknown }).code },
    'request refused',
  );
  void reply.header('x-request-id', request.id);
  void sendError(request, reply, 400, {
    code: 'bad_request',
    message: 'The request URL is not valid (malformed percent-encoding).',
    details: [{ field: 'url', message: 'is not valid percent-encoding' }],
  });
}

function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  error: Omit<ErrorEnvelope['error'], 'request_id'>,
): FastifyReply {
  const body: ErrorEnvelope = { error: { ...error, request_id: request.id } };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}
