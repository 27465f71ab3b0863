import { describe, expect, it } from 'vitest';
import {
  allPassed,
  check,
  checkWhere,
  formatTable,
  type ScenarioResult,
} from '../../../bench/harness/results.ts';

function row(checks: ScenarioResult['checks']): ScenarioResult {
  return { id: 'B8', title: 't', baseline: 'b', measured: 'm', ratio: null, checks, figures: {} };
}

describe('bench checks that need what the machine lacks', () => {
  it('a missed target that does not apply neither fails the run nor hides its value', () => {
    const missed = check('4 ÷ 1', 1.2, '≥', 3);
    const skipped = checkWhere(false, 'needs ≥ 5 cores, has 2', missed);

    expect(allPassed([row([missed])])).toBe(false);
    expect(allPassed([row([skipped])])).toBe(true);
    expect(formatTable([row([skipped])])).toContain(
      '– 4 ÷ 1 1.2 (≥ 3; n/a: needs ≥ 5 cores, has 2)',
    );
  });

  it('where it applies, the check is judged as it is', () => {
    const missed = check('2 ÷ 1', 1.2, '≥', 1.7);

    expect(checkWhere(true, 'needs ≥ 3 cores', missed)).toEqual(missed);
    expect(allPassed([row([checkWhere(true, 'needs ≥ 3 cores', missed)])])).toBe(false);
  });
});
