import type { z } from 'zod';
import { enumMessage, type ValidationIssue } from '../validation.ts';

/**
 * zod issues (parsed with `reportInput: true`, which tells a missing field from a wrong one) in
 * pydantic v2's words, so the music endpoints' 422 bodies read like FastAPI's:
 * `{"loc": ["body", "composition_plan", "sections", 0, "duration_ms"], "msg": "Input should be
 * greater than or equal to 3000", "type": "greater_than_equal"}`.
 */
export function pydanticIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: (string | number)[],
): ValidationIssue[] {
  return issues.flatMap((issue) => {
    const loc = [
      ...prefix,
      ...issue.path.map((part) => (typeof part === 'number' ? part : String(part))),
    ];
    if (issue.code === 'invalid_union') {
      // pydantic lists every member's problems; the closest member's say enough here.
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      return pydanticIssues(closest, loc);
    }
    const [msg, type] = describe(issue);
    return [{ loc, msg, type }];
  });
}

function describe(issue: z.core.$ZodIssue): [string, string] {
  if (issue.code === 'invalid_type') return typeMismatch(issue);
  if (issue.code === 'too_small') return tooSmall(issue);
  if (issue.code === 'too_big') return tooBig(issue);
  if (issue.code === 'invalid_value') return [enumMessage(issue.values.map(String)), 'enum'];
  return [`Value error, ${issue.message}`, 'value_error'];
}

const TYPE_ERRORS: Readonly<Record<string, [string, string]>> = {
  string: ['Input should be a valid string', 'string_type'],
  boolean: ['Input should be a valid boolean', 'bool_type'],
  array: ['Input should be a valid list', 'list_type'],
  object: [
    'Input should be a valid dictionary or object to extract fields from',
    'model_attributes_type',
  ],
};

function typeMismatch(issue: z.core.$ZodIssueInvalidType): [string, string] {
  if (issue.input === undefined) return ['Field required', 'missing'];
  if (issue.expected === 'int' && typeof issue.input === 'number') {
    return [
      'Input should be a valid integer, got a number with a fractional part',
      'int_from_float',
    ];
  }
  return TYPE_ERRORS[issue.expected] ?? ['Input should be a valid integer', 'int_type'];
}

function tooSmall(issue: z.core.$ZodIssueTooSmall): [string, string] {
  const min = Number(issue.minimum);
  const plural = min === 1 ? '' : 's';
  if (issue.origin === 'string')
    return [`String should have at least ${min} character${plural}`, 'string_too_short'];
  if (issue.origin === 'array') {
    const count = countOf(issue.input);
    return [
      `List should have at least ${min} item${plural} after validation, not ${count}`,
      'too_short',
    ];
  }
  return [`Input should be greater than or equal to ${min}`, 'greater_than_equal'];
}

function tooBig(issue: z.core.$ZodIssueTooBig): [string, string] {
  const max = Number(issue.maximum);
  if (issue.origin === 'string')
    return [`String should have at most ${max} characters`, 'string_too_long'];
  if (issue.origin === 'array') {
    const count = countOf(issue.input);
    return [`List should have at most ${max} items after validation, not ${count}`, 'too_long'];
  }
  return [`Input should be less than or equal to ${max}`, 'less_than_equal'];
}

function countOf(input: unknown): number {
  return Array.isArray(input) ? input.length : 0;
}
