import { Transform } from 'node:stream';
import { crc32 } from 'node:zlib';

/** Thrown by {@link crcCheck} when the bytes do not match the archive's CRC-32. */
export class CrcMismatchError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`CRC-32 is ${hex(actual)}, the archive says ${hex(expected)}`);
    this.name = 'CrcMismatchError';
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/**
 * Passes bytes through and fails at the end when their CRC-32 differs from `expected`, so a
 * damaged entry is never stored as complete. yauzl checks entry sizes but not CRCs.
 */
export function crcCheck(expected: number): Transform {
  let crc = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      crc = crc32(chunk, crc);
      callback(null, chunk);
    },
    flush(callback) {
      const actual = crc >>> 0;
      callback(actual === expected >>> 0 ? null : new CrcMismatchError(expected >>> 0, actual));
    },
  });
}
