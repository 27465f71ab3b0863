import { Readable } from 'node:stream';

/**
 * One stream type for every body `put` accepts, so each driver runs a single streamed write
 * path (the file driver writes a body already in memory without one). Strings are stored as
 * UTF-8.
 */
export function toReadable(body: Readable | Buffer | string): Readable {
  if (body instanceof Readable) return body;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  // Not object mode: downstream byte counting and multipart chunking expect Buffers.
  return Readable.from([bytes], { objectMode: false });
}
