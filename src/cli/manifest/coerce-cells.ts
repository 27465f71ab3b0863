import type { z } from 'zod';
import { getPath, setPath } from './cell-paths.ts';

/** Rounds of coercion: each fixes every cell zod named; nesting (JSON in a cell) adds rounds. */
const MAX_ROUNDS = 5;

/**
 * Validates `merged` with `schema`, first turning CSV cell text into what the schema expects
 * where it says so: zod names each cell it wanted as a number, boolean, object or array, that
 * cell is converted (in `merged` and in `item`, the same cell), and validation runs again. So
 * `params.seed` = `42` becomes 42, but a numeric-looking `params.voice_id` stays text.
 */
export function parseWithCellCoercion<S extends z.ZodType>(
  schema: S,
  merged: Record<string, unknown>,
  item: Record<string, unknown>,
  cells: ReadonlySet<string>,
): z.ZodSafeParseResult<z.output<S>> {
  let result = schema.safeParse(merged);
  for (let round = 0; round < MAX_ROUNDS && !result.success && cells.size > 0; round++) {
    let changed = false;
    for (const issue of result.error.issues) {
      if (issue.code !== 'invalid_type') continue;
      const path = issue.path.map(String);
      if (!cells.has(path.join('.'))) continue;
      const text = getPath(merged, path);
      if (typeof text !== 'string') continue;
      const value = coerceCell(text, issue.expected);
      if (value === undefined) continue;
      setPath(merged, path, value);
      setPath(item, path, value);
      changed = true;
    }
    if (!changed) break;
    result = schema.safeParse(merged);
  }
  return result;
}

/** A cell's text as `expected`, or undefined when it is not one. */
export function coerceCell(text: string, expected: string): unknown {
  switch (expected) {
    case 'number':
    case 'int':
      return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : undefined;
    case 'boolean': {
      const lower = text.toLowerCase();
      if (['true', 'yes', '1'].includes(lower)) return true;
      if (['false', 'no', '0'].includes(lower)) return false;
      return undefined;
    }
    case 'object':
    case 'array': {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return undefined;
      }
      const isArray = Array.isArray(value);
      const isObject = typeof value === 'object' && value !== null && !isArray;
      return (expected === 'array' ? isArray : isObject) ? value : undefined;
    }
    default:
      return undefined;
  }
}
