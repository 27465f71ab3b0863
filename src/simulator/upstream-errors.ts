/**
 * The upstream's error bodies (upstream.md, "Errors"): three shapes are live and clients must
 * accept all of them, so the simulator can send each. Validation (422) bodies are in
 * validation.ts.
 */

/** `{"detail": {type, code, status, message, request_id, param?}}`: the current shape. */
export interface CurrentErrorFields {
  type: string;
  code: string;
  /** Usually equal to `code`, but not always upstream (e.g. concurrent_limit_exceeded). */
  status?: string;
  message: string;
  param?: string;
}

/** The current shape. */
export function currentErrorBody(fields: CurrentErrorFields, requestId: string): object {
  const { type, code, status = code, message, param } = fields;
  return {
    detail: { type, code, status, message, request_id: requestId, ...(param ? { param } : {}) },
  };
}

/** `{"detail": {status, message}}`: the legacy shape, still sent for some errors. */
export function legacyErrorBody(status: string, message: string): object {
  return { detail: { status, message } };
}

/** `{status, message}` without the `detail` wrapper: seen on some upstream 500s. */
export function bareErrorBody(status: string, message: string): object {
  return { status, message };
}

/**
 * An error response decided inside a route. Its type is the control flow: the pipeline turns
 * it into a JSON response with the usual headers.
 */
export class UpstreamHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: object,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`upstream error ${status}`);
    this.name = 'UpstreamHttpError';
  }
}

/** A current-shape error as an {@link UpstreamHttpError}. */
export function currentError(
  status: number,
  fields: CurrentErrorFields,
  requestId: string,
): UpstreamHttpError {
  return new UpstreamHttpError(status, currentErrorBody(fields, requestId));
}

/** 401 for a missing or wrong `xi-api-key`. */
export function invalidApiKeyBody(requestId: string): object {
  return currentErrorBody(
    { type: 'authentication_error', code: 'invalid_api_key', message: 'Invalid API key' },
    requestId,
  );
}

/** 429 body for the account's concurrency limit, in the requested shape. */
export function concurrencyLimitBody(
  shape: 'current' | 'legacy',
  limit: number,
  requestId: string,
): object {
  const message =
    `Too many concurrent requests. Your current subscription is associated with a maximum of ${limit} ` +
    'concurrent requests running in parallel, please wait for one of them to finish.';
  if (shape === 'legacy') return legacyErrorBody('too_many_concurrent_requests', message);
  return currentErrorBody(
    {
      type: 'rate_limit_error',
      code: 'concurrent_limit_exceeded',
      status: 'too_many_concurrent_requests',
      message,
    },
    requestId,
  );
}

/** 429 body for the upstream being overloaded as a whole (not the account's fault). */
export function systemBusyBody(shape: 'current' | 'legacy', requestId: string): object {
  const message = 'We are currently experiencing high traffic. Please try again later.';
  if (shape === 'legacy') return legacyErrorBody('system_busy', message);
  return currentErrorBody({ type: 'rate_limit_error', code: 'system_busy', message }, requestId);
}

/** 500 body; `bare` drops the `detail` wrapper as some upstream 500s do. */
export function internalErrorBody(bare: boolean, requestId: string): object {
  const message = 'An internal server error occurred. Please try again later.';
  if (bare) return bareErrorBody('internal_server_error', message);
  return currentErrorBody(
    { type: 'server_error', code: 'internal_server_error', message },
    requestId,
  );
}

/** 401 when the account has fewer credits left than the request costs. */
export function quotaExceededBody(remaining: number, cost: number, requestId: string): object {
  const message =
    `This request exceeds your quota of credits. You have ${remaining} credits remaining, ` +
    `while ${cost} credits are required for this request.`;
  return currentErrorBody(
    { type: 'authentication_error', code: 'quota_exceeded', message },
    requestId,
  );
}
