import { mergeDefaults } from '../../shared/batches/item-defaults.ts';
import {
  axisField,
  combinationCount,
  expandItem,
  matrixAxes,
  type Matrix,
} from '../../shared/batches/matrix.ts';
import { pathFitsType } from '../../shared/batches/matrix-paths.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { BatchProblems } from './batch-problems.ts';

/** A batch's items once its matrix is applied, and how to name an expanded item's source. */
export interface ExpandedItems {
  /** One item per source item and combination, `defaults` already merged under each. */
  items: Record<string, unknown>[];
  /** `items[i]` of the source item an expanded item came from: a 422 names what was sent. */
  itemField: (index: number) => string;
}

/**
 * Applies `matrix` to a batch's items: each item (defaults merged first, so an axis such as
 * `params.inputs.0.voice_id` writes into the inputs a default gave) becomes one item per
 * combination. Refuses, naming `matrix`, a matrix that is malformed, that names a path an
 * item's type does not take, or that would make more than `maxItems` items. The source items
 * are released from `items` as they are expanded.
 */
export function expandMatrix(
  items: unknown[],
  defaults: Record<string, unknown> | undefined,
  matrix: Matrix,
  maxItems: number,
  problems: BatchProblems,
): ExpandedItems {
  const { axes, problems: found } = matrixAxes(matrix);
  for (const detail of found) problems.add(null, detail);
  items.forEach((item, index) => {
    if (!isPlainObject(item))
      problems.add(index, {
        field: `items[${index}]`,
        message: 'must be a job request object',
        code: 'invalid_type',
      });
  });
  problems.throwIfAny();

  const combinations = combinationCount(axes);
  const total = items.length * combinations;
  if (total > maxItems) {
    throw new ValidationError('The batch is too large.', [
      {
        field: 'matrix',
        message: `makes ${total} items (${items.length} × ${combinations} combinations); a batch may hold at most ${maxItems}`,
        code: 'too_big',
      },
    ]);
  }

  const expanded: Record<string, unknown>[] = [];
  const refusedTypes = new Set<string>();
  for (let index = 0; index < items.length; index++) {
    const raw = items[index] as Record<string, unknown>;
    items[index] = null;
    const merged = defaults ? mergeDefaults(defaults, raw) : raw;
    for (const axis of axes) {
      const key = `${axis.path}\0${String(merged.type)}`;
      if (refusedTypes.has(key) || pathFitsType(merged.type, axis.segments)) continue;
      refusedTypes.add(key);
      problems.add(index, {
        field: axisField(axis.path),
        message: `is not a field of ${String(merged.type)} items (items[${index}] is one)`,
        code: 'invalid_path',
      });
    }
    // Generated as validateItems would, so a combination's custom_id keeps its item's name.
    const base = typeof merged.custom_id === 'string' ? merged.custom_id : `item-${index}`;
    for (const combination of expandItem(merged, base, axes)) expanded.push(combination);
  }
  problems.throwIfAny();
  return { items: expanded, itemField: (i) => `items[${Math.floor(i / combinations)}]` };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
