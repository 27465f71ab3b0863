import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PayloadTooLargeError } from '../errors.ts';

/** What passed through a {@link MeasureStream}. */
export interface Measurement {
  bytes: number;
  /** Lowercase hex sha256. */
  sha256: string;
}

/** Limits for a {@link MeasureStream}. */
export interface MeasureStreamOptions {
  /** Fail with PayloadTooLargeError as soon as more than this many bytes have passed. */
  maxBytes?: number;
}

/**
 * A pass-through that hashes and counts the bytes on their way to storage, so a write reports
 * its size and sha256 without reading the object back. The chunk that crosses `maxBytes` is
 * never forwarded: the stream errors instead, and whatever pipes into it stops.
 */
export class MeasureStream extends Transform {
  readonly maxBytes: number | undefined;
  readonly #hash = createHash('sha256');
  #bytes = 0;
  #sha256: string | undefined;

  constructor(options: MeasureStreamOptions = {}) {
    super();
    const { maxBytes } = options;
    assertMaxBytes(maxBytes);
    this.maxBytes = maxBytes;
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Size and hash of everything that passed; only once the stream has ended. */
  result(): Measurement {
    if (this.#sha256 === undefined) {
      throw new Error('MeasureStream.result() called before the stream ended');
    }
    return { bytes: this.#bytes, sha256: this.#sha256 };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.maxBytes !== undefined && this.#bytes > this.maxBytes) {
      callback(new PayloadTooLargeError(this.maxBytes));
      return;
    }
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.#sha256 = this.#hash.digest('hex');
    callback();
  }
}

/** A byte limit is a non-negative integer, or none at all. */
export function assertMaxBytes(maxBytes: number | undefined): void {
  if (maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes >= 0)) {
    throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
  }
}

/** Creates a {@link MeasureStream}. */
export function createMeasureStream(options: MeasureStreamOptions = {}): MeasureStream {
  return new MeasureStream(options);
}
