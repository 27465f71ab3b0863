import { describe, expect, it } from 'vitest';
import { describeError, isDependencyUnavailable } from '../../../src/api/error-envelope.ts';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from '../../../src/shared/errors.ts';

function frameworkError(code: string, statusCode: number, message = 'boom'): Error {
  return Object.assign(new Error(message), { code, statusCode });
}

describe('describeError', () => {
  it.each([
    [new ValidationError('bad', [{ field: 'a', message: 'm' }]), 422, 'validation_failed'],
    [new NotFoundError('Job'), 404, 'not_found'],
    [new ConflictError('done', 'job_finished'), 409, 'job_finished'],
    [new ServiceUnavailableError('later'), 503, 'service_unavailable'],
  ])('passes AppErrors through: %s', (error, status, code) => {
    expect(describeError(error)).toMatchObject({
      status,
      code,
      message: error.message,
      details: error.details,
    });
  });

  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 413, 'payload_too_large', 'body'],
    ['FST_REQ_FILE_TOO_LARGE', 413, 413, 'payload_too_large', 'body'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 415, 'unsupported_media_type', 'content-type'],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 400, 'invalid_json', 'body'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 400, 'invalid_json', 'body'],
    ['FST_INVALID_JSON_FIELD_ERROR', 406, 400, 'invalid_json', 'request'],
  ])('translates %s', (code, statusCode, status, ourCode, field) => {
    expect(describeError(frameworkError(code, statusCode))).toMatchObject({
      status,
      code: ourCode,
      details: [{ field }],
    });
  });

  it('keeps other 4xx statuses', () => {
    expect(describeError(frameworkError('FST_SOMETHING', 405, 'method not allowed'))).toEqual({
      status: 405,
      code: 'bad_request',
      message: 'Method not allowed.',
      details: [],
    });
  });

  it('hides everything about unexpected errors', () => {
    const described = describeError(new TypeError('secret internals at /srv/app.ts:12'));
    expect(described).toEqual({
      status: 500,
      code: 'internal_error',
      message: 'Internal server error.',
      details: [],
    });
    expect(describeError('a string')).toMatchObject({ status: 500 });
    expect(describeError(frameworkError('X', 502, 'upstream internals'))).toMatchObject({
      status: 500,
    });
  });

  it('maps Redis unavailability to 503 without its wording', () => {
    const described = describeError(
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    );
    expect(described).toMatchObject({ status: 503, code: 'service_unavailable', details: [] });
    expect(described.message).not.toMatch(/Stream|enableOfflineQueue/);
  });
});

describe('isDependencyUnavailable', () => {
  it.each([
    new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    new Error('Connection is closed.'),
    Object.assign(new Error('Reached the max retries per request limit (which is 1).'), {
      name: 'MaxRetriesPerRequestError',
    }),
    new Error('LOADING Redis is loading the dataset in memory'),
    new Error("OOM command not allowed when used memory > 'maxmemory'."),
    Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' }),
    new Error('wrapped', { cause: new Error('Connection is closed.') }),
  ])('recognizes %s', (error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    new Error('WRONGTYPE Operation against a key'),
    new TypeError('x is undefined'),
    'ECONNREFUSED',
    null,
  ])('does not take %s for an outage', (error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });
});
