import type { ErrorDetail } from '../shared/errors.ts';
import type { JobRecord } from '../shared/jobs/job-record.ts';
import type { DescribedError } from '../api/error-envelope.ts';
import { upstreamHeaders, type UpstreamAnswer } from './upstream-answer.ts';

/**
 * Errors in the upstream's shapes (upstream.md, "Errors"), so SDK error handling works
 * unchanged: `{"detail": {status, code, message, …}}`, and the validation shape
 * `{"detail": [{loc, msg, type}]}` for 422s.
 */

/** Fields our params take from the upstream's query string or path, for 422 `loc`s. */
const QUERY_FIELDS = new Set(['output_format', 'enable_logging', 'optimize_streaming_latency']);

/** Where a field of our job request came from on the upstream's wire: `params.seed` → body. */
function locOf(field: string): string[] {
  const path = field.split('.');
  if (path[0] === 'params' || path[0] === 'body') path.shift();
  else if (path[0] === 'input') return ['body', 'audio'];
  const first = path[0] ?? '';
  if (QUERY_FIELDS.has(first)) return ['query', ...path];
  if (first === 'voice_id') return ['path', ...path];
  return ['body', ...path];
}

/** The upstream's 422 body for our intake's field problems. */
export function validationBody(details: readonly ErrorDetail[]): object {
  return {
    detail: details.map((detail) => ({
      loc: locOf(detail.field),
      msg: detail.message,
      type: detail.code ?? 'value_error',
    })),
  };
}

/** A refusal of ours (auth, limits, intake checks) as the upstream would answer it. */
export function refusalAnswer(described: DescribedError, requestId: string): UpstreamAnswer {
  const headers = { 'content-type': 'application/json' };
  if (described.status === 422 && described.details.length > 0) {
    return { status: 422, headers, body: JSON.stringify(validationBody(described.details)) };
  }
  const code = described.status === 401 ? 'invalid_api_key' : described.code;
  const message = described.status === 401 ? 'Invalid API key' : described.message;
  const detail = { code, status: code, message, request_id: requestId };
  return { status: described.status, headers, body: JSON.stringify({ detail }) };
}

/** Upstream codes whose `detail.data` carries a suggestion, by the key it travels under. */
const SUGGESTION_KEYS: Record<string, string> = {
  bad_prompt: 'prompt_suggestion',
  bad_composition_plan: 'composition_plan_suggestion',
};

/**
 * A failed or canceled job's answer: the upstream's own status and code when the upstream
 * refused the call (the worker keeps them on `job.error`); otherwise a 502 (the upstream never
 * gave a usable answer: retries spent, a corrupt body) or, canceled, a 409.
 */
export function failedAnswer(record: JobRecord): UpstreamAnswer {
  const headers = { ...upstreamHeaders(record), 'content-type': 'application/json' };
  const error = record.error;
  if (record.status === 'canceled' || !error) {
    const detail = {
      code: 'job_canceled',
      status: 'job_canceled',
      message: 'The job was canceled.',
    };
    return { status: 409, headers, body: JSON.stringify({ detail }) };
  }
  if (error.upstream_status === 422) {
    const detail = [{ loc: ['body'], msg: error.message, type: 'value_error' }];
    return { status: 422, headers, body: JSON.stringify({ detail }) };
  }
  const code = error.upstream_code ?? error.code;
  const suggestionKey = SUGGESTION_KEYS[code];
  const detail = {
    code,
    status: code,
    message: error.message,
    request_id: record.upstream?.request_id ?? null,
    ...(suggestionKey && error.suggestion != null
      ? { data: { [suggestionKey]: error.suggestion } }
      : {}),
  };
  const status =
    error.upstream_status !== null && error.upstream_status >= 400 ? error.upstream_status : 502;
  return { status, headers, body: JSON.stringify({ detail }) };
}

/** The upstream's 401 for an account out of credits, which paused the class queue. */
export function quotaAnswer(message: string): UpstreamAnswer {
  const detail = { code: 'quota_exceeded', status: 'quota_exceeded', message };
  return {
    status: 401,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ detail }),
  };
}

/**
 * The upstream's own answer past its concurrency limit, for a call that found no slot within
 * GATEWAY_MAX_WAIT_MS: SDKs already treat it as "try again later".
 */
export function busyAnswer(maxWaitMs: number): UpstreamAnswer {
  const detail = {
    code: 'too_many_concurrent_requests',
    status: 'too_many_concurrent_requests',
    message: `No upstream slot came free within ${Math.round(maxWaitMs / 1000)} s; try again later.`,
  };
  return {
    status: 429,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ detail }),
  };
}
