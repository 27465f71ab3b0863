import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** 1 MiB in bytes. */
export const MiB = 1024 * 1024;
const CHUNK = 256 * 1024;

/** Lowercase hex sha256 of bytes or a UTF-8 string. */
export const sha256 = (data: Buffer | string): string =>
  createHash('sha256').update(data).digest('hex');

/** What a generated body turned out to be, known once it has been read to the end. */
export interface BodyExpectation {
  bytes: number;
  sha256(): string;
}

/**
 * A random body of `totalBytes`, generated chunk by chunk (never held whole in memory) and
 * hashed as it is produced. If `pause` is given, the body stops after `pauseAfterBytes` until
 * `pause` settles: resolved → it goes on, rejected → the stream fails with that error.
 */
export function generatedBody(
  totalBytes: number,
  options: { pauseAfterBytes?: number; pause?: Promise<void> } = {},
): { stream: Readable; expected: BodyExpectation } {
  const hash = createHash('sha256');
  const expected = { bytes: 0, sha256: () => hash.copy().digest('hex') };
  async function* chunks(): AsyncGenerator<Buffer> {
    const { pause, pauseAfterBytes = 0 } = options;
    let paused = pause === undefined;
    while (expected.bytes < totalBytes) {
      if (!paused && expected.bytes >= pauseAfterBytes) {
        paused = true;
        await pause;
      }
      let size = Math.min(CHUNK, totalBytes - expected.bytes);
      // Stop exactly at the pause point, not at the next chunk boundary.
      if (!paused) size = Math.min(size, pauseAfterBytes - expected.bytes);
      const chunk = randomBytes(size);
      hash.update(chunk);
      expected.bytes += chunk.length;
      yield chunk;
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), expected };
}

/** Reads a stream to the end. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Hashes a stream without keeping it. */
export async function hashStream(stream: Readable): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** A promise with its settle functions, to hold a generated body at its pause point. */
export function gate(): { promise: Promise<void>; open(): void; fail(error: Error): void } {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  // The body may be destroyed before it reaches the gate; a failed gate is then nobody's error.
  promise.catch(() => {});
  return { promise, open, fail };
}
