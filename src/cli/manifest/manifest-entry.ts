/** One item of a manifest as read, before validation. */
export interface ManifestEntry {
  /** 1-based line of the manifest where the item starts. */
  line: number;
  /** The job request fields as written (CSV cells still text, `input` maybe a path). */
  item: Record<string, unknown>;
  /**
   * Dotted paths whose values are CSV cell text: only these are coerced to the number,
   * boolean, object or array the schema expects. Empty for JSONL, whose values are typed.
   */
  cells: ReadonlySet<string>;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
