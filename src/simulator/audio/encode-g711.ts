/**
 * ITU-T G.711 μ-law and A-law, as in the reference implementation (Sun's g711.c): the
 * `ulaw_8000` and `alaw_8000` formats are one such byte per sample, no header.
 */

const ULAW_BIAS = 0x84;
// Magnitude clip in the 14-bit domain (32635 >> 2, rounded up as in the reference code).
const ULAW_CLIP = 8159;
// Upper bounds of the eight segments, in the 13-bit (A-law) / 14-bit (μ-law) input domain.
const ALAW_SEGMENT_ENDS = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
const ULAW_SEGMENT_ENDS = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];

function segmentOf(value: number, ends: readonly number[]): number {
  const index = ends.findIndex((end) => value <= end);
  return index === -1 ? ends.length : index;
}

/** One 16-bit linear sample to its μ-law byte. */
export function linearToUlaw(sample: number): number {
  let value = sample >> 2; // the μ-law quantizer works on 14 bits
  let mask = 0xff;
  if (value < 0) {
    value = -value;
    mask = 0x7f;
  }
  value = Math.min(value, ULAW_CLIP) + (ULAW_BIAS >> 2);
  const segment = segmentOf(value, ULAW_SEGMENT_ENDS);
  if (segment >= 8) return 0x7f ^ mask;
  const code = (segment << 4) | ((value >> (segment + 1)) & 0x0f);
  return code ^ mask;
}

/** One 16-bit linear sample to its A-law byte. */
export function linearToAlaw(sample: number): number {
  let value = sample >> 3; // the A-law quantizer works on 13 bits
  let mask = 0xd5;
  if (value < 0) {
    mask = 0x55;
    value = -value - 1;
  }
  const segment = segmentOf(value, ALAW_SEGMENT_ENDS);
  if (segment >= 8) return 0x7f ^ mask;
  const shift = segment < 2 ? 1 : segment;
  const code = (segment << 4) | ((value >> shift) & 0x0f);
  return code ^ mask;
}

/** One μ-law byte back to a 16-bit linear sample (reference expansion). */
export function ulawToLinear(byte: number): number {
  const value = ~byte & 0xff;
  const biased = (((value & 0x0f) << 3) + ULAW_BIAS) << ((value & 0x70) >> 4);
  return value & 0x80 ? ULAW_BIAS - biased : biased - ULAW_BIAS;
}

/** One A-law byte back to a 16-bit linear sample (reference expansion). */
export function alawToLinear(byte: number): number {
  const value = byte ^ 0x55;
  const segment = (value & 0x70) >> 4;
  let magnitude = (value & 0x0f) << 4;
  if (segment === 0) magnitude += 8;
  else if (segment === 1) magnitude += 0x108;
  else magnitude = (magnitude + 0x108) << (segment - 1);
  return value & 0x80 ? magnitude : -magnitude;
}

/** 16-bit linear samples to μ-law bytes. */
export function encodeUlaw(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = linearToUlaw(samples[i] ?? 0);
  return out;
}

/** 16-bit linear samples to A-law bytes. */
export function encodeAlaw(samples: Int16Array): Buffer {
  const out = Buffer.alloc(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = linearToAlaw(samples[i] ?? 0);
  return out;
}
