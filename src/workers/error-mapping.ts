import { AppError } from '../shared/errors.ts';
import type { JobError } from '../shared/jobs/job-record.ts';
import { isRetryableNetworkError } from './retry-policy.ts';
import { UpstreamError } from './upstream/upstream-error.ts';

/** The job's `error` field for any thrown value. Unknown errors are retryable: they may pass. */
export function toJobError(error: unknown): JobError {
  if (error instanceof UpstreamError) {
    return {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      upstream_status: error.status,
      upstream_code: error.upstreamCode,
      suggestion: error.suggestion ?? null,
    };
  }
  if (error instanceof AppError) {
    return {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      upstream_status: null,
      upstream_code: null,
      suggestion: null,
    };
  }
  if (isRetryableNetworkError(error)) {
    // The connection failed while the body streamed (reset, idle timeout): the call's own
    // errors are UpstreamErrors already, these come out of the body stream.
    const code = (error as { code: string }).code;
    return {
      code,
      message: `the upstream body failed: ${error instanceof Error ? error.message : String(error)}`,
      retryable: true,
      upstream_status: null,
      upstream_code: code,
      suggestion: null,
    };
  }
  if (isTimeout(error)) {
    return {
      code: 'attempt_timeout',
      message: 'the attempt exceeded its time limit',
      retryable: true,
      upstream_status: null,
      upstream_code: null,
      suggestion: null,
    };
  }
  return {
    code: 'internal_error',
    message: error instanceof Error ? error.message : String(error),
    retryable: true,
    upstream_status: null,
    upstream_code: null,
    suggestion: null,
  };
}

function isTimeout(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'TimeoutError';
}
