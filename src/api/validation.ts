import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { ValidationError, type ErrorDetail } from '../shared/errors.ts';

/**
 * Zod issues as the error envelope's `details`: one entry per problem, `field` a dotted path
 * from the body's root (`params.voice_settings.stability`), so a caller can fix everything in
 * one round trip. A strict object's unknown keys become one entry each, naming the key itself.
 */
export function issuesToDetails(issues: readonly z.core.$ZodIssue[], root = 'body'): ErrorDetail[] {
  return issues.flatMap((issue): ErrorDetail[] => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: [...path, key].join('.'),
        message: 'is not a known field',
        code: 'unrecognized_key',
      }));
    }
    return [
      { field: path.length ? path.join('.') : root, message: messageOf(issue), code: issue.code },
    ];
  });
}

function messageOf(issue: z.core.$ZodIssue): string {
  // zod says "Invalid input: expected string, received undefined" for a missing field.
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return 'is required';
  }
  return issue.message;
}

/** A 422 listing every problem zod found. */
export function validationFailed(
  issues: readonly z.core.$ZodIssue[],
  root?: string,
): ValidationError {
  const details = issuesToDetails(issues, root);
  const count = details.length === 1 ? '1 problem' : `${details.length} problems`;
  return new ValidationError(`The request is invalid (${count}; see details).`, details);
}

/**
 * Fastify's validator for every route schema. Used instead of the type provider's own compiler
 * because that one flattens zod paths into JSON pointers; this one throws our ValidationError
 * directly, so the central error handler has a single shape to map.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema, httpPart }) =>
  (data: unknown) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    return {
      error: validationFailed(result.error.issues, httpPart === 'body' ? 'body' : httpPart),
    };
  };
