import { createHash } from 'node:crypto';

/** A seeded pseudo-random generator: the same seed always yields the same sequence. */
export interface Prng {
  /** Next value, uniform in [0, 1). */
  next(): number;
}

/**
 * sha256 over the given parts, each length-prefixed so that `["ab","c"]` and `["a","bc"]` differ.
 * Used to turn request parameters into a 32-byte PRNG seed.
 */
export function hashParts(parts: readonly (string | Uint8Array)[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  }
  return new Uint8Array(hash.digest());
}

/**
 * sfc32 seeded from the first 16 bytes of `seed` (hash it first if it is short or structured).
 * Chosen over Math.random for reproducibility and over crypto for speed: synthesis draws
 * millions of values per request.
 */
export function createPrng(seed: Uint8Array): Prng {
  if (seed.length < 16) throw new RangeError('PRNG seed needs at least 16 bytes');
  const view = new DataView(seed.buffer, seed.byteOffset, seed.byteLength);
  let a = view.getUint32(0);
  let b = view.getUint32(4);
  let c = view.getUint32(8);
  let d = view.getUint32(12);
  const next = (): number => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // sfc32 needs a few rounds before its output stops reflecting the raw seed words.
  for (let i = 0; i < 12; i++) next();
  return { next };
}
