import { isPlainObject } from './manifest-entry.ts';

/**
 * How a CSV column names a field of the job request:
 *
 * - `type`, `custom_id`, `cache`, `input`: the top-level field (`input` a path, URL or upload id);
 * - `params.voice_id`, `options.stream`, `input.url`, `webhook.url`: dotted paths into objects,
 *   a numeric segment indexing an array (`params.inputs.0.text`);
 * - `metadata.<key>`: one metadata key, taken verbatim (metadata is flat, keys may hold dots);
 * - `params`, `options`, `metadata`: a whole object as JSON text.
 */
const ROOTS = ['type', 'custom_id', 'cache', 'input', 'params', 'options', 'metadata', 'webhook'];
/** Segments that would reach into prototypes if used as keys. */
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** The path a column names, or a reason it names none. */
export function columnPath(column: string): { path: string[] } | { problem: string } {
  const [root = '', ...rest] = column.split('.');
  if (!ROOTS.includes(root)) {
    return {
      problem: `unknown column; expected one of ${ROOTS.join(', ')} or a dotted path under params, options, metadata, input or webhook`,
    };
  }
  const path = root === 'metadata' && rest.length > 0 ? [root, rest.join('.')] : [root, ...rest];
  if (path.some((segment) => segment === '' || FORBIDDEN.has(segment))) {
    return { problem: 'is not a valid field path' };
  }
  return { path };
}

/** Sets `value` at `path` in `target`, creating objects (or arrays, for numeric segments). */
export function setPath(
  target: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): void {
  let node: Record<string, unknown> | unknown[] = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string;
    const next = path[i + 1] as string;
    let child = (node as Record<string, unknown>)[key];
    if (!isPlainObject(child) && !Array.isArray(child)) {
      child = /^\d+$/.test(next) ? [] : {};
      define(node, key, child);
    }
    node = child as Record<string, unknown> | unknown[];
  }
  define(node, path.at(-1) as string, value);
}

/** The value at `path`, or undefined. */
export function getPath(target: unknown, path: readonly PropertyKey[]): unknown {
  let node = target;
  for (const key of path) {
    if (!isPlainObject(node) && !Array.isArray(node)) return undefined;
    node = Object.hasOwn(node, key) ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return node;
}

function define(node: Record<string, unknown> | unknown[], key: string, value: unknown): void {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
}
