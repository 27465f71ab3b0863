import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveSeed, itemSeed } from '../../../src/shared/batches/item-seeds.ts';
import type { JobRequest } from '../../../src/shared/jobs/job-request.ts';
import { INT31_MAX } from '../../../src/shared/jobs/seed-policy.ts';

const sts = (params: object = {}) =>
  ({ type: 'speech_to_speech', params: { voice_id: 'v', ...params } }) as unknown as JobRequest;
const music = (params: object) => ({ type: 'music', params }) as unknown as JobRequest;

describe('item seeds', () => {
  it('are the first four bytes of sha256("{batch seed}:{custom_id}")', () => {
    const expected = createHash('sha256').update('42:scene-1/fr').digest().readUInt32BE(0);
    expect(deriveSeed(42, 'scene-1/fr')).toBe(expected);
    expect(deriveSeed(42, 'scene-1/fr')).toBe(deriveSeed(42, 'scene-1/fr'));
    expect(deriveSeed(42, 'scene-1/fr')).not.toBe(deriveSeed(43, 'scene-1/fr'));
    expect(deriveSeed(42, 'scene-1/fr')).not.toBe(deriveSeed(42, 'scene-2/fr'));
  });

  it('follow the per-type rules: derived, explicit wins, int31 for music plans, none where unsupported', () => {
    expect(itemSeed(sts(), 7, 'a')).toBe(deriveSeed(7, 'a'));
    expect(itemSeed(sts({ seed: 5 }), 7, 'a')).toBe(5);
    expect(itemSeed(music({ prompt: 'calm piano' }), 7, 'a')).toBeNull();
    expect(
      itemSeed({ type: 'music_plan', params: {} } as unknown as JobRequest, 7, 'a'),
    ).toBeNull();
    expect(
      itemSeed({ type: 'stem_separation', params: {} } as unknown as JobRequest, 7, 'a'),
    ).toBeNull();
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
      const seed = itemSeed(music({ composition_plan: {} }), 7, id);
      expect(seed).toBe(deriveSeed(7, id) % (INT31_MAX + 1));
      expect(seed).toBeLessThanOrEqual(INT31_MAX);
    }
    expect(itemSeed(music({ composition_plan: {}, seed: 9 }), 7, 'a')).toBe(9);
  });
});
