import { z } from 'zod';
import { defineField } from './define-field.ts';
import { jobRequestSchema } from '../jobs/job-request.ts';
import { mergeUnder } from './merge-under.ts';

/**
 * A batch's `defaults` serve items of several types: `params.output_format` is meant for the
 * items that take one, not for a `music_plan` item that would refuse it. So a default field
 * reaches an item only where the item's type takes that field (top level, and one level down
 * in `params`, `options`, `input`, `webhook`). A field that no type takes at all is kept, so
 * that a typo in `defaults` is still refused by name instead of silently dropped.
 */

/** Field names a type takes: top level, and for object fields, their own field names. */
type FieldTree = Map<string, Set<string> | null>;

const treesByType = new Map<string, FieldTree>(
  jobRequestSchema.options.map((schema) => [schema.shape.type.value, fieldTree(schema.shape)]),
);
const anyType = unionOf([...treesByType.values()]);

/** `defaults` merged under `item`, keeping only the default fields the item's type takes. */
export function mergeDefaults(
  defaults: Record<string, unknown>,
  item: Record<string, unknown>,
): Record<string, unknown> {
  const type = item.type ?? defaults.type;
  const tree = typeof type === 'string' ? treesByType.get(type) : undefined;
  return mergeUnder(tree ? pruned(defaults, tree) : defaults, item);
}

function pruned(defaults: Record<string, unknown>, tree: FieldTree): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(defaults)) {
    const inner = tree.get(key);
    if (inner === undefined) {
      if (!anyType.has(key)) defineField(kept, key, value);
      continue;
    }
    defineField(
      kept,
      key,
      inner && isPlainObject(value) ? prunedInner(value, inner, anyType.get(key)) : value,
    );
  }
  return kept;
}

function prunedInner(
  value: Record<string, unknown>,
  taken: Set<string>,
  takenByAny: Set<string> | null | undefined,
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value))
    if (taken.has(key) || !takenByAny?.has(key)) defineField(kept, key, field);
  return kept;
}

function fieldTree(shape: Record<string, z.core.$ZodType>): FieldTree {
  const tree: FieldTree = new Map();
  for (const [key, schema] of Object.entries(shape)) {
    const inner = objectShape(schema);
    tree.set(key, inner ? new Set(Object.keys(inner)) : null);
  }
  return tree;
}

function unionOf(trees: FieldTree[]): FieldTree {
  const union: FieldTree = new Map();
  for (const tree of trees)
    for (const [key, inner] of tree) {
      const known = union.get(key);
      if (known === undefined) union.set(key, inner && new Set(inner));
      else if (known === null || inner === null) union.set(key, null);
      else for (const name of inner) known.add(name);
    }
  return union;
}

/** The object shape under defaults, prefaults and optionals, or undefined for a non-object. */
function objectShape(schema: z.core.$ZodType): Record<string, z.core.$ZodType> | undefined {
  if (schema instanceof z.ZodObject) return schema.shape;
  if (
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault ||
    schema instanceof z.ZodOptional
  )
    return objectShape(schema.unwrap());
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
