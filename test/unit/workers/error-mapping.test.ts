import { describe, expect, it } from 'vitest';
import { toJobError } from '../../../src/workers/error-mapping.ts';
import { UpstreamError } from '../../../src/workers/upstream/upstream-error.ts';

describe('toJobError', () => {
  it('names a body that failed mid-stream by its network code, retryable', () => {
    const error = Object.assign(new Error('Body Timeout Error'), { code: 'UND_ERR_BODY_TIMEOUT' });
    expect(toJobError(error)).toMatchObject({
      code: 'UND_ERR_BODY_TIMEOUT',
      upstream_code: 'UND_ERR_BODY_TIMEOUT',
      retryable: true,
    });
  });

  it('keeps the upstream answer of an UpstreamError', () => {
    const error = new UpstreamError({
      kind: 'quota',
      status: 401,
      upstreamCode: 'quota_exceeded',
      message: 'out of credits',
    });
    expect(toJobError(error)).toMatchObject({
      code: 'quota_exceeded',
      upstream_status: 401,
      retryable: false,
    });
  });

  it('treats an attempt timeout as retryable', () => {
    expect(toJobError(new DOMException('timed out', 'TimeoutError'))).toMatchObject({
      code: 'attempt_timeout',
      retryable: true,
    });
  });
});
