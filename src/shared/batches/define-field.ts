/**
 * Sets a key on an object parsed from JSON by defining it, not assigning it: a `__proto__` key
 * stays a plain (refused) field, never a setter that changes the object's prototype.
 */
export function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
