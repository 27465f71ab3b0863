import { z } from 'zod';
import { AppError, type ErrorDetail } from '../shared/errors.ts';

/** The one error shape every route answers with, whatever failed. */
export const errorEnvelopeSchema = z.object({
  error: z.object({
    code: z.string().describe('Stable machine-readable code, e.g. validation_failed'),
    message: z.string(),
    details: z.array(
      z.object({
        field: z.string().describe('Dotted path of the offending field'),
        message: z.string(),
        code: z.string().optional(),
      }),
    ),
    request_id: z.string(),
  }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** What the handler answers for an error: status, envelope fields, and whether to log it loud. */
export interface DescribedError {
  status: number;
  code: string;
  message: string;
  details: ErrorDetail[];
}

/** Fastify's and @fastify/multipart's own 4xx errors, by their `code`, in our vocabulary. */
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; field?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', field: 'body' },
  FST_REQ_FILE_TOO_LARGE: { status: 413, code: 'payload_too_large', field: 'body' },
  FST_PARTS_LIMIT: { status: 413, code: 'payload_too_large', field: 'body' },
  FST_FILES_LIMIT: { status: 413, code: 'payload_too_large', field: 'body' },
  FST_FIELDS_LIMIT: { status: 413, code: 'payload_too_large', field: 'body' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    field: 'content-type',
  },
  FST_INVALID_MULTIPART_CONTENT_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    field: 'content-type',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', field: 'body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', field: 'body' },
  FST_INVALID_JSON_FIELD_ERROR: { status: 400, code: 'invalid_json', field: 'request' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', field: 'content-length' },
  FST_PROTO_VIOLATION: { status: 400, code: 'bad_request', field: 'body' },
};

/**
 * ioredis says a connection is unusable in these words (enableOfflineQueue off, reconnecting,
 * max retries spent, the intake's command timeout under load); LOADING and OOM are Redis
 * refusing writes for a while. All mean "try again later", never "your request is wrong".
 */
const UNAVAILABLE_PATTERNS = [
  /Command timed out/,
  /Stream isn't writeable/,
  /Connection is closed/,
  /max retries per request/i,
  /\bLOADING\b/,
  /OOM command not allowed/,
  /\bECONNREFUSED\b|\bECONNRESET\b|\bEPIPE\b|\bEHOSTUNREACH\b/,
];

/** True when `error` (or its cause) says Redis or another backend is unreachable right now. */
export function isDependencyUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (current.name === 'MaxRetriesPerRequestError') return true;
    const code = (current as { code?: unknown }).code;
    const text = `${current.message} ${typeof code === 'string' ? code : ''}`;
    if (UNAVAILABLE_PATTERNS.some((pattern) => pattern.test(text))) return true;
    current = current.cause;
  }
  return false;
}

/**
 * Maps anything thrown to what the client sees. Our AppErrors speak for themselves; framework
 * 4xx errors are translated; everything else is a 500 whose details stay in the log.
 */
export function describeError(error: unknown): DescribedError {
  if (error instanceof AppError) {
    return {
      status: error.httpStatus,
      code: error.code,
      message: error.message,
      details: error.details,
    };
  }
  if (isDependencyUnavailable(error)) {
    return {
      status: 503,
      code: 'service_unavailable',
      message: 'A backing service is unavailable; retry shortly.',
      details: [],
    };
  }
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  const known = typeof code === 'string' ? FRAMEWORK_ERRORS[code] : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (known) {
    const details = known.field ? [{ field: known.field, message }] : [];
    return { status: known.status, code: known.code, message: sentence(message), details };
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const fallback = statusCode === 404 ? 'not_found' : 'bad_request';
    return { status: statusCode, code: fallback, message: sentence(message), details: [] };
  }
  return { status: 500, code: 'internal_error', message: 'Internal server error.', details: [] };
}

function sentence(message: string): string {
  const trimmed = message.trim();
  if (!trimmed) return 'Bad request.';
  const capital = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
