import { describe, expect, it } from 'vitest';
import { idTime, isId, newId } from '../../../src/shared/ids.ts';

describe('newId', () => {
  it('makes well-formed ids that sort in creation order, across many pool refills', () => {
    const ids = Array.from({ length: 5_000 }, () => newId('job'));
    for (const id of ids) expect(isId('job', id)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.abs(idTime(ids[0]!) - Date.now())).toBeLessThan(60_000);
  });

  it('draws every base32 character (the random part is not stuck)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2_000; i += 1) for (const char of newId('run').slice(14)) seen.add(char);
    expect(seen.size).toBe(32);
  });
});
