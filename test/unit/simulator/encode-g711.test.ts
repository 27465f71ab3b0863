import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  alawToLinear,
  encodeAlaw,
  encodeUlaw,
  linearToAlaw,
  linearToUlaw,
  ulawToLinear,
} from '../../../src/simulator/audio/encode-g711.ts';

// Reference values and digests come from CPython's audioop (lin2ulaw, lin2alaw, ulaw2lin,
// alaw2lin), an independent implementation of the same ITU-T G.711 reference code.
const ALL_SAMPLES = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function expansionTable(expand: (byte: number) => number): Buffer {
  const table = Buffer.alloc(512);
  for (let byte = 0; byte < 256; byte++) table.writeInt16LE(expand(byte), byte * 2);
  return table;
}

describe('G.711 μ-law', () => {
  it.each([
    [0, 0xff],
    [-1, 0x7e],
    [32767, 0x80],
    [-32768, 0x00],
    [100, 0xf2],
    [-100, 0x72],
    [1000, 0xce],
    [8031, 0xa0],
  ])('encodes %i as %i', (sample, byte) => {
    expect(linearToUlaw(sample)).toBe(byte);
  });

  it.each([
    [0xff, 0],
    [0x7f, 0],
    [0x80, 32124],
    [0x00, -32124],
    [0xce, 988],
  ])('expands %i to %i', (byte, sample) => {
    expect(ulawToLinear(byte)).toBe(sample);
  });

  it('matches the reference for all 65,536 inputs and all 256 codes', () => {
    expect(sha256(encodeUlaw(ALL_SAMPLES))).toBe(
      '81d633c9e6972a18c74a58720b96cb8ca0bdd096d4060b646dd708c3b846019a',
    );
    expect(sha256(expansionTable(ulawToLinear))).toBe(
      '3dab54339e520bb2c924826e3b72a917a2b612e9fd12fc867500f1d983a75827',
    );
  });
});

describe('G.711 A-law', () => {
  it.each([
    [0, 0xd5],
    [-1, 0x55],
    [-8, 0x55],
    [32767, 0xaa],
    [-32768, 0x2a],
    [100, 0xd3],
    [-100, 0x53],
    [1000, 0xfa],
  ])('encodes %i as %i', (sample, byte) => {
    expect(linearToAlaw(sample)).toBe(byte);
  });

  it.each([
    [0xd5, 8],
    [0x55, -8],
    [0xaa, 32256],
    [0x2a, -32256],
    [0xfa, 1008],
  ])('expands %i to %i', (byte, sample) => {
    expect(alawToLinear(byte)).toBe(sample);
  });

  it('matches the reference for all 65,536 inputs and all 256 codes', () => {
    expect(sha256(encodeAlaw(ALL_SAMPLES))).toBe(
      '38488f6fd710f4686360edc4d38639f96c491595ef93f8eb8d62d5e07ca6ce7b',
    );
    expect(sha256(expansionTable(alawToLinear))).toBe(
      'e04788d110e58ff8c70c93b8480190d973e3b67876b6119abbaec766cc75c174',
    );
  });
});

describe('G.711 round trip', () => {
  it('stays within half a quantization step of the input, relative error under 7% above 1,000', () => {
    for (const [encode, decode] of [
      [linearToUlaw, ulawToLinear],
      [linearToAlaw, alawToLinear],
    ] as const) {
      for (let sample = -32768; sample <= 32767; sample += 13) {
        const back = decode(encode(sample));
        if (Math.abs(sample) > 1000)
          expect(Math.abs(back - sample) / Math.abs(sample)).toBeLessThan(0.07);
        else expect(Math.abs(back - sample)).toBeLessThanOrEqual(40);
      }
    }
  });
});
