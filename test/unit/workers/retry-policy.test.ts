import { describe, expect, it } from 'vitest';
import {
  backoffCeilingMs,
  backoffDelayMs,
  classifyUpstreamFailure,
  isRetryableNetworkError,
  MAX_BACKOFF_MS,
  parseRetryAfter,
} from '../../../src/workers/retry-policy.ts';

describe('classifyUpstreamFailure', () => {
  it.each([
    [429, ['too_many_concurrent_requests'], 'concurrency'],
    [429, ['concurrent_limit_exceeded', 'too_many_concurrent_requests'], 'concurrency'],
    [429, ['system_busy'], 'retryable'],
    [429, ['rate_limit_exceeded'], 'retryable'],
    [429, [], 'retryable'],
    [500, ['internal_server_error'], 'retryable'],
    [503, [], 'retryable'],
    [408, [], 'retryable'],
    [401, ['quota_exceeded'], 'quota'],
    [401, ['invalid_api_key'], 'fatal'],
    [400, ['bad_prompt'], 'fatal'],
    [400, ['voice_not_found'], 'fatal'],
    [402, ['limited_access'], 'fatal'],
    [403, ['only_for_creator+'], 'fatal'],
    [404, ['voice_not_found'], 'fatal'],
    [422, ['validation_error'], 'fatal'],
  ] as const)('HTTP %i with %j is %s', (status, codes, kind) => {
    expect(classifyUpstreamFailure(status, codes)).toBe(kind);
  });
});

describe('isRetryableNetworkError', () => {
  it.each([
    ['UND_ERR_SOCKET', true],
    ['UND_ERR_BODY_TIMEOUT', true],
    ['UND_ERR_HEADERS_TIMEOUT', true],
    ['ECONNRESET', true],
    ['HPE_INVALID_CHUNK_SIZE', true],
    ['UND_ERR_INVALID_ARG', false],
  ])('%s → %s', (code, expected) => {
    expect(isRetryableNetworkError(Object.assign(new Error('x'), { code }))).toBe(expected);
  });

  it('is false for errors without a code', () => {
    expect(isRetryableNetworkError(new Error('plain'))).toBe(false);
  });
});

describe('backoffDelayMs', () => {
  it('draws uniformly below a doubling ceiling (full jitter)', () => {
    expect(backoffDelayMs(1, 1_000, null, () => 0.999)).toBe(999);
    expect(backoffDelayMs(2, 1_000, null, () => 0.5)).toBe(1_000);
    expect(backoffDelayMs(3, 1_000, null, () => 0.5)).toBe(2_000);
    expect(backoffDelayMs(1, 1_000, null, () => 0)).toBe(0);
  });

  it('caps the ceiling at 60 s', () => {
    expect(backoffDelayMs(30, 1_000, null, () => 0.999_999)).toBeLessThan(MAX_BACKOFF_MS);
    expect(backoffDelayMs(30, 1_000, null, () => 0.999_999)).toBeGreaterThan(MAX_BACKOFF_MS - 100);
  });

  it('waits at least what Retry-After asks', () => {
    expect(backoffDelayMs(1, 1_000, 5_000, () => 0.1)).toBe(5_000);
  });
});

describe('backoffCeilingMs', () => {
  it.each([
    [1, 200],
    [2, 400],
    [3, 800],
    [4, 1_600],
    [12, MAX_BACKOFF_MS],
  ])('after %i attempts: %i ms', (attemptsMade, ceiling) => {
    expect(backoffCeilingMs(attemptsMade, 200)).toBe(ceiling);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
