import { isPlainObject } from './manifest-entry.ts';

/**
 * `defaults` under `item`, exactly as the intake merges a batch's defaults (mergeUnder in
 * src/api/services/batch-items.ts, which the CLI may not import): the item wins, objects merge
 * at every depth, arrays and values replace, and `input` replaces whole.
 */
export function mergeUnder(
  defaults: Record<string, unknown>,
  item: Record<string, unknown>,
  atomic: readonly string[] = ['input'],
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(item)) {
    const base = Object.hasOwn(merged, key) ? merged[key] : undefined;
    Object.defineProperty(merged, key, {
      value:
        isPlainObject(base) && isPlainObject(value) && !atomic.includes(key)
          ? mergeUnder(base, value, [])
          : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return merged;
}
