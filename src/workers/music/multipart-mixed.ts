import {
  MultipartParseError,
  MultipartParser,
  getMultipartBoundary,
  type MultipartPart,
} from '@remix-run/multipart-parser';

/**
 * Reads a `multipart/mixed` body (the detailed music response) with a real multipart parser:
 * parts end at CRLF + `--boundary`, so bytes that merely look like a boundary inside the audio
 * stay audio, and the CRLF before each delimiter never leaks into a part (both official SDKs
 * shipped that bug). The parser keeps each part in memory until its delimiter arrives, so a
 * part is bounded by `maxPartBytes`.
 */

/** The body is not the multipart message it should be: the attempt may be retried. */
export class CorruptMultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptMultipartError';
  }
}

export interface MultipartMixedOptions {
  /** Largest part accepted, bytes. */
  maxPartBytes: number;
}

// A preamble before the first boundary is legal (RFC 2046) but not expected: bounded.
const MAX_PREAMBLE_BYTES = 8 * 1024;
const CRLF = Buffer.from('\r\n');

/**
 * Every part of `body`. The boundary comes from `contentType`, or, when that has none (the
 * OpenAPI page labels this response application/json), from the body's first line, which is
 * the boundary line. A preamble ending in CRLF and an epilogue after the closing delimiter are
 * skipped; anything else that does not parse throws CorruptMultipartError.
 */
export async function readMultipartMixed(
  body: AsyncIterable<Uint8Array>,
  contentType: string | undefined,
  options: MultipartMixedOptions,
): Promise<MultipartPart[]> {
  const iterator = body[Symbol.asyncIterator]();
  try {
    const { boundary, rest } = await openingBoundary(iterator, declaredBoundary(contentType));
    const parser = new MultipartParser(boundary, {
      maxFileSize: options.maxPartBytes,
      maxTotalSize: 2 * options.maxPartBytes,
      maxParts: 16,
    });
    const parts: MultipartPart[] = [];
    const feed = (chunk: Uint8Array): void => {
      if (chunk.length === 0 || isDone(parser)) return; // the epilogue is not ours to parse
      for (const part of parser.write(chunk)) parts.push(part);
    };
    feed(rest);
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      feed(next.value);
    }
    parser.finish();
    return parts;
  } catch (error) {
    if (error instanceof MultipartParseError) throw new CorruptMultipartError(error.message);
    throw error;
  } finally {
    await iterator.return?.(); // releases the socket when we stopped early
  }
}

/** `boundary=` of a multipart Content-Type, or null. */
export function declaredBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^\s*multipart\//i.test(contentType)) return null;
  return getMultipartBoundary(contentType)?.trim() || null;
}

function isDone(parser: MultipartParser): boolean {
  try {
    parser.finish(); // throws while the closing delimiter has not been seen; changes nothing
    return true;
  } catch {
    return false;
  }
}

/** Reads until the opening boundary is found; returns it and the bytes from it on. */
async function openingBoundary(
  iterator: AsyncIterator<Uint8Array>,
  declared: string | null,
): Promise<{ boundary: string; rest: Uint8Array }> {
  let head = Buffer.alloc(0);
  for (;;) {
    const found = declared === null ? sniffBoundary(head) : locateBoundary(head, declared);
    if (found) return found;
    if (head.length > MAX_PREAMBLE_BYTES) {
      throw new CorruptMultipartError('no opening boundary in the first 8 KiB of the body');
    }
    const next = await iterator.next();
    if (next.done === true) throw new CorruptMultipartError('body ended before its first boundary');
    head = Buffer.concat([head, next.value]);
  }
}

/** The declared boundary at the start, or after a preamble line; null when more bytes are needed. */
function locateBoundary(
  head: Buffer,
  boundary: string,
): { boundary: string; rest: Uint8Array } | null {
  const opening = Buffer.from(`--${boundary}`);
  if (head.length < opening.length) return null;
  if (head.subarray(0, opening.length).equals(opening)) return { boundary, rest: head };
  const delimiter = Buffer.concat([CRLF, opening]);
  const at = head.indexOf(delimiter);
  return at === -1 ? null : { boundary, rest: head.subarray(at + CRLF.length) };
}

/** The boundary from a first line `--boundary`; null when the line is not complete yet. */
function sniffBoundary(head: Buffer): { boundary: string; rest: Uint8Array } | null {
  const end = head.indexOf(CRLF);
  if (end === -1) return null;
  const line = head.subarray(0, end).toString('latin1');
  // RFC 2046: 1–70 characters from a restricted set, no trailing space.
  const match = /^--([0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?])$/.exec(
    line.trimEnd(),
  );
  if (!match?.[1]) throw new CorruptMultipartError('the body does not begin with a boundary line');
  return { boundary: match[1], rest: head };
}
