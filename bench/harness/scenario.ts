import type { Progress } from './progress.ts';
import type { ScenarioResult } from './results.ts';

/** What every scenario is handed. */
export interface ScenarioContext {
  /** `--quick`: reduced sizes and durations (the whole set in under 3 minutes). */
  quick: boolean;
  progress: Progress;
}

/** One scenario of docs/benchmarks.md: it starts what it needs and stops it all. */
export interface Scenario {
  /** B1…B8; a scenario may report several rows (B3 also reports B4). */
  id: string;
  /** Whether `--quick` runs it. */
  quick: boolean;
  run(context: ScenarioContext): Promise<ScenarioResult[]>;
}
