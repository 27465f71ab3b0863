/** The `q` quantile (0..1) of `values` (nearest rank); NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Largest difference between consecutive values once sorted (the longest quiet spell). */
export function largestGap(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < sorted.length; i += 1) gap = Math.max(gap, sorted[i]! - sorted[i - 1]!);
  return gap;
}

/** Cumulative bucket counts of one Prometheus histogram, summed over several scrapes. */
export type Buckets = Map<number, number>;

/** Adds the `<name>_bucket` lines of a Prometheus text exposition into `into`. */
export function addHistogram(text: string, name: string, into: Buckets): Buckets {
  const pattern = new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\S+)$`, 'gm');
  for (const match of text.matchAll(pattern)) {
    const le = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
    into.set(le, (into.get(le) ?? 0) + Number(match[2]));
  }
  return into;
}

/**
 * The `q` quantile of a cumulative histogram, interpolated linearly inside its bucket (as
 * Prometheus's histogram_quantile does); NaN when it holds no observation.
 */
export function histogramQuantile(buckets: Buckets, q: number): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total === 0) return Number.NaN;
  const target = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = buckets.get(bound) ?? 0;
    if (count >= target) {
      if (!Number.isFinite(bound)) return lower;
      return lower + ((bound - lower) * (target - below)) / Math.max(count - below, 1);
    }
    lower = bound;
    below = count;
  }
  return lower;
}

/** `n` rounded to `digits` decimals. */
export function round(n: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(n * factor) / factor;
}
