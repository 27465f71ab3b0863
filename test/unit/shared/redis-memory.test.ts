import { describe, expect, it } from 'vitest';
import { memoryFromInfo } from '../../../src/shared/redis/redis-memory.ts';

/** /readyz warns past 80 % of maxmemory: at 100 % a noeviction Redis refuses every write. */
describe('memoryFromInfo', () => {
  const info = (used: number, max: number) =>
    `# Memory\r\nused_memory:${used}\r\nused_memory_human:1M\r\nmaxmemory:${max}\r\nmaxmemory_policy:noeviction\r\n`;

  it.each([
    [700, 1000, 0.7, false],
    [800, 1000, 0.8, false],
    [801, 1000, 0.801, true],
    [1000, 1000, 1, true],
  ])('used %i of %i: ratio %f, warning %s', (used, max, ratio, warning) => {
    expect(memoryFromInfo(info(used, max))).toEqual({
      used_bytes: used,
      maxmemory_bytes: max,
      ratio,
      warning,
    });
  });

  it('has no ratio and never warns without a maxmemory', () => {
    expect(memoryFromInfo(info(5_000_000, 0))).toMatchObject({ ratio: null, warning: false });
  });
});
