import { z } from 'zod';
import { defineField } from './define-field.ts';
import type { ErrorDetail } from '../errors.ts';

/**
 * Matrix batches: `matrix: { "params.voice_id": ["a", "b"] }` runs every item once per
 * combination of the axes' values (one item re-voiced into several voices, a dialogue line
 * into several speakers). Pure: the intake expands, validates the result like any item, and
 * seeds each combination from its own custom_id (item-seeds.ts), so a combination keeps its
 * seed when another voice is added to the axis.
 */

/** More axes than this is more likely a mistake than a plan, and custom_ids grow per axis. */
export const MAX_MATRIX_AXES = 8;
/** Values shown as themselves in a custom_id at most this long; longer ones by `@<index>`. */
export const MAX_LABEL_LENGTH = 64;

/**
 * `matrix` as the API takes it: params paths to their values. Only the shape is checked
 * here; {@link matrixAxes} names each problem by its path (`matrix["params.x"]`).
 */
export const matrixSchema = z
  .record(z.string(), z.array(z.unknown()))
  .describe(
    'Runs every item once per combination: params paths (array indexes as segments, e.g. `params.inputs.0.voice_id`) to the values each takes; the last axis varies fastest and custom_ids get `/<last segment>=<value>` per axis',
  );
export type Matrix = z.infer<typeof matrixSchema>;

/** One axis of a matrix, checked: where it writes, its values, and their custom_id labels. */
export interface MatrixAxis {
  path: string;
  /** The path below the item, e.g. `['params', 'inputs', '0', 'voice_id']`. */
  segments: string[];
  values: unknown[];
  /** `voice_id=abc` or `voice_id=@2`, one per value, unique within the axis. */
  labels: string[];
}

/** Segments a JSON body can hold but that must never be walked into (prototype pollution). */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
const PLAIN_LABEL = /^[\w\-.:@+]+$/;

/** The field name an axis's problems carry: `matrix["params.voice_id"]`. */
export function axisField(path: string): string {
  return `matrix[${JSON.stringify(path)}]`;
}

/** The matrix's axes in the order given, or the problems that make it unusable. */
export function matrixAxes(matrix: Matrix): { axes: MatrixAxis[]; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const entries = Object.entries(matrix);
  if (entries.length === 0 || entries.length > MAX_MATRIX_AXES) {
    problems.push({
      field: 'matrix',
      message: `must have 1 to ${MAX_MATRIX_AXES} axes`,
      code: entries.length === 0 ? 'too_small' : 'too_big',
    });
  }
  const axes: MatrixAxis[] = [];
  for (const [path, values] of entries) {
    const field = axisField(path);
    const segments = path.split('.');
    if (segments[0] !== 'params' || segments.length < 2 || segments.some((s) => s === '')) {
      problems.push({
        field,
        message: 'must be a path inside params, e.g. "params.voice_id"',
        code: 'invalid_path',
      });
      continue;
    }
    if (segments.some((s) => FORBIDDEN_SEGMENTS.has(s))) {
      problems.push({ field, message: 'is not a valid field path', code: 'invalid_path' });
      continue;
    }
    if (values.length === 0) {
      problems.push({ field, message: 'must list at least one value', code: 'too_small' });
      continue;
    }
    const duplicate = firstDuplicate(values.map((value) => JSON.stringify(value)));
    if (duplicate !== null) {
      problems.push({
        field: `${field}[${duplicate}]`,
        message: 'repeats an earlier value',
        code: 'duplicate_value',
      });
      continue;
    }
    axes.push({ path, segments, values, labels: axisLabels(segments, values) });
  }
  return { axes, problems };
}

/** How many items each item becomes: the product of the axes' lengths. */
export function combinationCount(axes: readonly MatrixAxis[]): number {
  return axes.reduce((count, axis) => count * axis.values.length, 1);
}

/**
 * The item once per combination, in order with the last axis varying fastest: a copy with
 * each axis's value written at its path (missing objects and arrays on the way are created,
 * so the item's own validation names what is still missing) and `custom_id` set to
 * `<baseCustomId>/<label>/<label>…`.
 */
export function expandItem(
  item: Record<string, unknown>,
  baseCustomId: string,
  axes: readonly MatrixAxis[],
): Record<string, unknown>[] {
  const total = combinationCount(axes);
  const expanded: Record<string, unknown>[] = [];
  for (let combination = 0; combination < total; combination++) {
    const copy = structuredClone(item);
    const labels: string[] = [];
    let rest = combination;
    const picks = new Array<number>(axes.length);
    for (let a = axes.length - 1; a >= 0; a--) {
      const size = (axes[a] as MatrixAxis).values.length;
      picks[a] = rest % size;
      rest = Math.floor(rest / size);
    }
    axes.forEach((axis, a) => {
      const pick = picks[a] as number;
      writeAt(copy, axis.segments, structuredClone(axis.values[pick]));
      labels.push(axis.labels[pick] as string);
    });
    copy.custom_id = [baseCustomId, ...labels].join('/');
    expanded.push(copy);
  }
  return expanded;
}

/**
 * `<last segment>=<value>` for short plain values (strings, numbers, booleans within the
 * custom_id alphabet, no `/`, not starting with `@`), else `<last segment>=@<index>`; `@<index>` for the whole axis
 * when two plain values would read the same (`1` and `"1"`), so labels stay unique.
 */
function axisLabels(segments: string[], values: unknown[]): string[] {
  const name = segments[segments.length - 1] as string;
  const plain = values.map(plainLabel);
  const shown = plain.filter((label) => label !== null);
  const unique = new Set(shown).size === shown.length;
  return values.map((_, index) => `${name}=${(unique && plain[index]) || `@${index}`}`);
}

function plainLabel(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
    return null;
  const text = String(value);
  // Never `@…` itself: that form is the index label's.
  return text.length <= MAX_LABEL_LENGTH && PLAIN_LABEL.test(text) && !text.startsWith('@')
    ? text
    : null;
}

function writeAt(target: Record<string, unknown>, segments: string[], value: unknown): void {
  let container: Record<string, unknown> = target;
  for (let i = 0; i < segments.length - 1; i++) {
    const key = segments[i] as string;
    let next = container[key];
    if (typeof next !== 'object' || next === null) {
      next = /^\d+$/.test(segments[i + 1] as string) ? [] : {};
      defineField(container, key, next);
    }
    container = next as Record<string, unknown>;
  }
  defineField(container, segments[segments.length - 1] as string, value);
}

function firstDuplicate(keys: string[]): number | null {
  const seen = new Set<string>();
  for (const [index, key] of keys.entries()) {
    if (seen.has(key)) return index;
    seen.add(key);
  }
  return null;
}
