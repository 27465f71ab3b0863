import { Transform } from 'node:stream';
import { UpstreamError } from './upstream-error.ts';

/**
 * Fails the stream when the body ends short of its Content-Length, before the storage write
 * completes, so a truncated body is never stored under its final key.
 */
export function expectLength(expected: number | null): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      if (expected !== null && seen !== expected) {
        callback(
          new UpstreamError({
            kind: 'retryable',
            status: null,
            upstreamCode: 'truncated_body',
            message: `upstream body ended after ${seen} of ${expected} bytes`,
          }),
        );
      } else callback();
    },
  });
}
