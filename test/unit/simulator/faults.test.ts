import { describe, expect, it } from 'vitest';
import type { FaultKind } from '../../../src/simulator/config.ts';
import { FaultPicker, isBodyFault } from '../../../src/simulator/faults.ts';

const drawMany = (
  picker: FaultPicker,
  rates: Partial<Record<FaultKind, number>>,
  n: number,
): (FaultKind | null)[] => Array.from({ length: n }, () => picker.draw(rates));

describe('FaultPicker', () => {
  it('consumes the queue one per request, in order, `none` passing a request through', () => {
    const picker = new FaultPicker({
      seed: 1,
      rates: {},
      next: ['error_500', 'none', 'reset_mid_body'],
    });
    expect(drawMany(picker, {}, 4)).toEqual(['error_500', null, 'reset_mid_body', null]);
  });

  it('serves the queue before the rates', () => {
    const picker = new FaultPicker({ seed: 1, rates: {}, next: ['stall_body'] });
    expect(drawMany(picker, { system_busy: 1 }, 3)).toEqual([
      'stall_body',
      'system_busy',
      'system_busy',
    ]);
  });

  it('replays the same sequence for the same seed, and another for another seed', () => {
    const rates = { error_500: 0.2, reset_mid_body: 0.1, concurrency_429: 0.1 };
    const first = drawMany(new FaultPicker({ seed: 42, rates, next: [] }), rates, 200);
    expect(drawMany(new FaultPicker({ seed: 42, rates, next: [] }), rates, 200)).toEqual(first);
    expect(drawMany(new FaultPicker({ seed: 43, rates, next: [] }), rates, 200)).not.toEqual(first);
  });

  it('injects each kind at about its rate', () => {
    const rates = { error_500: 0.2, truncated_body: 0.05 };
    const draws = drawMany(new FaultPicker({ seed: 7, rates, next: [] }), rates, 20_000);
    const share = (kind: FaultKind | null): number =>
      draws.filter((d) => d === kind).length / draws.length;
    expect(share('error_500')).toBeGreaterThan(0.18);
    expect(share('error_500')).toBeLessThan(0.22);
    expect(share('truncated_body')).toBeGreaterThan(0.04);
    expect(share('truncated_body')).toBeLessThan(0.06);
    expect(share(null)).toBeGreaterThan(0.72);
    expect(share('system_busy')).toBe(0);
  });

  it('update replaces the queue and restarts the PRNG on a new seed; reset empties and restarts', () => {
    const rates = { error_500: 0.5 };
    const picker = new FaultPicker({ seed: 5, rates, next: ['stall_headers', 'stall_headers'] });
    picker.update({ next: ['system_busy'] });
    expect(picker.pending()).toEqual(['system_busy']);
    picker.update({ seed: 9 });
    expect(picker.draw(rates)).toBe('system_busy');
    const afterSeed = drawMany(picker, rates, 50);
    expect(afterSeed).toEqual(drawMany(new FaultPicker({ seed: 9, rates, next: [] }), rates, 50));
    picker.update({ next: ['error_500'] });
    picker.reset(9);
    expect(picker.pending()).toEqual([]);
    expect(drawMany(picker, rates, 50)).toEqual(afterSeed);
  });

  it('knows which faults act on the body', () => {
    expect(
      ['reset_mid_body', 'truncated_body', 'stall_body'].every((k) => isBodyFault(k as FaultKind)),
    ).toBe(true);
    expect(
      ['concurrency_429', 'system_busy', 'error_500', 'stall_headers'].some((k) =>
        isBodyFault(k as FaultKind),
      ),
    ).toBe(false);
  });
});
