import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  issuesToDetails,
  validationFailed,
  zodValidatorCompiler,
} from '../../../src/api/validation.ts';
import { ValidationError } from '../../../src/shared/errors.ts';
import { jobRequestSchema } from '../../../src/shared/jobs/job-request.ts';

describe('issuesToDetails', () => {
  const schema = z
    .object({
      a: z.object({ b: z.number().max(1) }).strict(),
      list: z.array(z.string()).optional(),
      name: z.string(),
    })
    .strict();

  it('gives dotted paths, one entry per unknown key, and "is required" for missing fields', () => {
    const result = schema.safeParse({ a: { b: 2, c: 1, d: 2 }, list: ['x', 3], extra: true });
    expect(result.success).toBe(false);
    const details = issuesToDetails(result.error!.issues);
    expect(details).toEqual(
      expect.arrayContaining([
        { field: 'a.b', message: expect.stringContaining('<=1') as unknown, code: 'too_big' },
        { field: 'a.c', message: 'is not a known field', code: 'unrecognized_key' },
        { field: 'a.d', message: 'is not a known field', code: 'unrecognized_key' },
        { field: 'list.1', message: expect.any(String) as unknown, code: 'invalid_type' },
        { field: 'name', message: 'is required', code: 'invalid_type' },
        { field: 'extra', message: 'is not a known field', code: 'unrecognized_key' },
      ]),
    );
    expect(details).toHaveLength(6);
  });

  it('names the root when the whole value is wrong', () => {
    const result = schema.safeParse('text');
    expect(issuesToDetails(result.error!.issues)).toEqual([
      {
        field: 'body',
        message: expect.stringContaining('expected object') as unknown,
        code: 'invalid_type',
      },
    ]);
    expect(issuesToDetails(result.error!.issues, 'request')[0]?.field).toBe('request');
  });

  it('names `type` for an unknown job type', () => {
    const result = jobRequestSchema.safeParse({ type: 'nope' });
    expect(issuesToDetails(result.error!.issues).map((d) => d.field)).toEqual(['type']);
  });

  it('counts problems in the message', () => {
    const one = validationFailed(schema.safeParse({ a: { b: 1 } }).error!.issues);
    expect(one).toBeInstanceOf(ValidationError);
    expect(one.httpStatus).toBe(422);
    expect(one.message).toContain('1 problem;');
  });
});

describe('zodValidatorCompiler', () => {
  const validate = zodValidatorCompiler({
    schema: z.object({ limit: z.coerce.number().int().max(5).default(2) }).strict(),
    method: 'GET',
    url: '/x',
    httpPart: 'querystring',
  });

  it('returns the parsed value (coerced, defaults filled)', () => {
    expect(validate({ limit: '3' })).toEqual({ value: { limit: 3 } });
    expect(validate({})).toEqual({ value: { limit: 2 } });
  });

  it('returns a ValidationError with every problem', () => {
    const result = validate({ limit: '9', other: '1' }) as { error: ValidationError };
    expect(result.error).toBeInstanceOf(ValidationError);
    expect(result.error.details.map((d) => d.field).sort()).toEqual(['limit', 'other']);
  });
});
