import type { z } from 'zod';
import { jobRequestSchema } from '../jobs/job-request.ts';

/**
 * Whether a matrix path names a field a job type takes, read from the type's request schema
 * itself (so a new type or field needs no list kept here). A path the schema cannot hold is
 * refused by the matrix's own name, before a thousand expanded items each report it.
 */

export type Schema = z.core.$ZodType;

const requestSchemas = new Map<string, Schema>(
  jobRequestSchema.options.map((schema) => [schema.shape.type.value, schema]),
);

/**
 * True when `segments` (e.g. `params.inputs.0.voice_id`) lead to a field of `type`'s request;
 * also true for a type we do not know, whose own validation refuses it by name.
 */
export function pathFitsType(type: unknown, segments: readonly string[]): boolean {
  const schemas = schemasAt(type, segments);
  return schemas === null || schemas.length > 0;
}

/**
 * The schemas a value at `segments` of a `type` request must fit (wrappers looked through; an
 * empty list when the type has no such field), or null for a type we do not know.
 */
export function schemasAt(type: unknown, segments: readonly string[]): Schema[] | null {
  const root = typeof type === 'string' ? requestSchemas.get(type) : undefined;
  if (!root) return null;
  let candidates: Schema[] = [root];
  for (const segment of segments) {
    candidates = candidates.flatMap((schema) => leaves(schema).flatMap((s) => child(s, segment)));
    if (candidates.length === 0) return [];
  }
  return candidates.flatMap(leaves);
}

/** The schemas a value must fit, wrappers (optional, default, pipes, unions…) looked through. */
function leaves(schema: Schema): Schema[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return leaves(def.innerType as Schema);
    case 'pipe':
      // The input side: what a caller writes, before any transform.
      return leaves(def.in as Schema);
    case 'union':
      return (def.options as Schema[]).flatMap(leaves);
    case 'lazy':
      return leaves((def.getter as () => Schema)());
    default:
      return [schema];
  }
}

/** The schema of `segment` inside a (leaf) schema, if it has one. */
function child(schema: Schema, segment: string): Schema[] {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  const index = /^\d+$/.test(segment);
  switch (def.type) {
    case 'object': {
      const shape = def.shape as Record<string, Schema>;
      if (Object.hasOwn(shape, segment)) return [shape[segment] as Schema];
      const rest = def.catchall as Schema | undefined;
      return rest && rest._zod.def.type !== 'never' ? [rest] : [];
    }
    case 'array':
      return index ? [def.element as Schema] : [];
    case 'tuple': {
      const items = def.items as Schema[];
      return index && Number(segment) < items.length ? [items[Number(segment)] as Schema] : [];
    }
    case 'record':
      return [def.valueType as Schema];
    case 'any':
    case 'unknown':
      return [schema];
    default:
      return [];
  }
}
