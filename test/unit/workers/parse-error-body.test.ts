import { describe, expect, it } from 'vitest';
import { parseErrorBody } from '../../../src/workers/upstream/parse-error-body.ts';

describe('parseErrorBody reads every upstream error shape', () => {
  it('legacy: detail.status', () => {
    const body = { detail: { status: 'too_many_concurrent_requests', message: 'Too many' } };
    expect(parseErrorBody(JSON.stringify(body))).toEqual({
      codes: ['too_many_concurrent_requests'],
      message: 'Too many',
      suggestion: null,
    });
  });

  it('current: detail.code and detail.status both kept', () => {
    const body = {
      detail: {
        type: 'rate_limit_error',
        code: 'concurrent_limit_exceeded',
        status: 'too_many_concurrent_requests',
        message: 'm',
        request_id: 'r',
      },
    };
    expect(parseErrorBody(JSON.stringify(body)).codes).toEqual([
      'concurrent_limit_exceeded',
      'too_many_concurrent_requests',
    ]);
  });

  it('validation: detail[] with loc and msg', () => {
    const body = {
      detail: [
        { loc: ['query', 'output_format'], msg: 'bad', type: 'enum' },
        { loc: ['body', 'seed'], msg: 'too big', type: 'x' },
      ],
    };
    const parsed = parseErrorBody(JSON.stringify(body));
    expect(parsed.codes).toEqual(['validation_error']);
    expect(parsed.message).toBe('query.output_format: bad; body.seed: too big');
  });

  it('bare 500 without the detail wrapper', () => {
    const parsed = parseErrorBody('{"status":"internal_server_error","message":"boom"}');
    expect(parsed).toEqual({ codes: ['internal_server_error'], message: 'boom', suggestion: null });
  });

  it('bad_prompt carries its suggestion', () => {
    const body = {
      detail: { code: 'bad_prompt', message: 'no', data: { prompt_suggestion: 'try this' } },
    };
    expect(parseErrorBody(JSON.stringify(body)).suggestion).toBe('try this');
  });

  it('non-JSON bodies become the message', () => {
    expect(parseErrorBody('<html>gateway</html>')).toEqual({
      codes: [],
      message: '<html>gateway</html>',
      suggestion: null,
    });
  });
});
