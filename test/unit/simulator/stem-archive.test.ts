import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildStemsArchive, corruptArchive } from '../../../src/simulator/routes/stem-archive.ts';

const stems = [
  { name: 'vocals', bytes: new Uint8Array(4000).fill(7) },
  { name: 'other', bytes: Uint8Array.from({ length: 4000 }, (_, i) => i % 256) },
];

describe('buildStemsArchive', () => {
  it('names entries <stem>.<codec>, and is byte-for-byte deterministic', () => {
    const archive = buildStemsArchive(stems, 'mp3');
    expect(Object.keys(unzipSync(archive))).toEqual(['vocals.mp3', 'other.mp3']);
    expect(unzipSync(archive)['other.mp3']).toEqual(stems[1]?.bytes);
    expect(buildStemsArchive(stems, 'mp3').equals(archive)).toBe(true);
  });

  it('stores compressed codecs and deflates raw ones', () => {
    const method = (archive: Buffer) => archive.readUInt16LE(8); // first local header
    expect(method(buildStemsArchive(stems, 'mp3'))).toBe(0);
    expect(method(buildStemsArchive(stems, 'opus'))).toBe(0);
    expect(method(buildStemsArchive(stems, 'pcm'))).toBe(8);
    expect(Object.keys(unzipSync(buildStemsArchive(stems, 'pcm')))).toEqual([
      'vocals.pcm',
      'other.pcm',
    ]);
  });
});

describe('corruptArchive', () => {
  it.each(['mp3', 'pcm'] as const)('makes archives a ZIP reader refuses (%s)', (codec) => {
    const archive = buildStemsArchive(stems, codec);
    const truncated = corruptArchive(archive, 'truncate');
    expect(truncated.length).toBeLessThan(archive.length);
    expect(() => unzipSync(truncated)).toThrow();
    const flipped = corruptArchive(archive, 'bit_flip');
    expect(flipped.length).toBe(archive.length);
    expect(flipped.equals(archive)).toBe(false);
    // The damage sits in the last entry's data: names and sizes still read.
    expect(
      flipped.subarray(flipped.length - 22).equals(archive.subarray(archive.length - 22)),
    ).toBe(true);
  });
});
