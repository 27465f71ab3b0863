/** One target of docs/benchmarks.md, checked. */
export interface Check {
  /** What is checked, e.g. `ratio`, `p99 vs baseline`, `5xx`. */
  name: string;
  value: number;
  /** As the table shows it, e.g. `≥ 0.5`. */
  target: string;
  pass: boolean;
  /**
   * Why the target does not apply to this machine (e.g. too few cores), or absent. Such a
   * check is still shown with its value, but neither passes nor fails the run.
   */
  notApplicable?: string;
}

/** One row of the table: a scenario (or a figure derived from one) and its checks. */
export interface ScenarioResult {
  id: string;
  title: string;
  /** The baseline's figure, as shown (e.g. `412 jobs/s`). */
  baseline: string;
  /** audiobatch's figure, as shown. */
  measured: string;
  /** audiobatch ÷ baseline where a higher figure is better (null: no baseline ratio). */
  ratio: number | null;
  checks: Check[];
  /** Every number measured, for latest.json. */
  figures: Record<string, number | string | boolean>;
}

/** A check of `value` against `limit` (`≥` or `≤`). */
export function check(name: string, value: number, op: '≥' | '≤' | '==', limit: number): Check {
  const pass =
    op === '≥' ? value >= limit : op === '≤' ? value <= limit : Math.abs(value - limit) < 1e-9;
  return { name, value, target: `${op} ${limit}`, pass };
}

/**
 * `measured` as it is where `applies`; otherwise kept for its value but marked not
 * applicable, with `reason` (what the target needs that this machine lacks).
 */
export function checkWhere(applies: boolean, reason: string, measured: Check): Check {
  return applies ? measured : { ...measured, pass: true, notApplicable: reason };
}

/** Whether every check of every row passed (a check that does not apply passes). */
export function allPassed(results: readonly ScenarioResult[]): boolean {
  return results.every((result) => result.checks.every((c) => c.pass));
}

/** The table printed at the end (and pasted into BENCHMARKS.md): Markdown. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const rows = results.map((r) => {
    const checks = r.checks
      .map((c) => {
        const mark = c.notApplicable ? '–' : c.pass ? '✓' : '✗';
        const target = c.notApplicable ? `${c.target}; n/a: ${c.notApplicable}` : c.target;
        return `${mark} ${c.name} ${formatNumber(c.value)} (${target})`;
      })
      .join('; ');
    const ratio = r.ratio === null ? '—' : `${formatNumber(r.ratio)} ×`;
    return `| ${r.id} | ${r.title} | ${r.baseline} | ${r.measured} | ${ratio} | ${checks} |`;
  });
  return [
    '| id | scenario | baseline (same run) | audiobatch | ratio | checks (target) |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return String(Math.round(n));
  return String(Math.round(n * 100) / 100);
}
