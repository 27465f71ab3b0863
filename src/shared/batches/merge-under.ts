/**
 * How a batch's `defaults` combine with each item. Shared: the intake applies it, and the CLI
 * applies it too so that it can validate a manifest's lines before submitting them.
 */
/**
 * `defaults` under `item`: the item wins, objects merge at every depth (so defaults can set
 * `params.voice_settings.stability` and an item only its `params.voice_id`), arrays and
 * values replace. `input` replaces whole: an item's upload must not meet a default's URL.
 */
export function mergeUnder(
  defaults: Record<string, unknown>,
  item: Record<string, unknown>,
  atomic: readonly string[] = ['input'],
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(item)) {
    const base = Object.hasOwn(merged, key) ? merged[key] : undefined;
    // Defined, not assigned: a `__proto__` key from JSON must stay a (refused) field.
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
