import { UpstreamError } from '../upstream/upstream-error.ts';

/** A line longer than the cap: the body is not the NDJSON we expect (or is absurdly large). */
function lineTooLong(maxBytes: number): UpstreamError {
  return new UpstreamError({
    kind: 'retryable',
    status: null,
    upstreamCode: 'invalid_stream_body',
    message: `upstream stream line exceeds ${maxBytes} bytes`,
  });
}

/**
 * The payload of one received line, or null for a line that carries none. The stream is
 * newline-delimited JSON (upstream.md: not SSE, despite the docs' `text/event-stream` label);
 * SSE framing is tolerated anyway (`data:` prefixes stripped, comments and `event:` lines
 * skipped) so either answer parses.
 */
function payloadOf(raw: Buffer): string | null {
  const line = raw.toString('utf8').trim();
  if (line === '' || line.startsWith(':') || /^(event|id|retry):/.test(line)) return null;
  if (line.startsWith('data:')) {
    const data = line.slice(5).trim();
    return data === '' || data === '[DONE]' ? null : data;
  }
  return line;
}

/**
 * Splits a byte stream into lines (LF or CRLF) without assuming chunks end on line boundaries,
 * and yields each non-empty payload. Memory is bounded by one line: `maxLineBytes` caps it.
 * A final line without a newline is yielded too; whether it is whole is for the parser to say.
 */
export async function* ndjsonLines(
  body: AsyncIterable<Buffer | string>,
  maxLineBytes: number,
): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of body) {
    let chunk = typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10)) {
      if (pendingBytes + newline > maxLineBytes) throw lineTooLong(maxLineBytes);
      pending.push(chunk.subarray(0, newline));
      const payload = payloadOf(Buffer.concat(pending));
      pending = [];
      pendingBytes = 0;
      chunk = chunk.subarray(newline + 1);
      if (payload !== null) yield payload;
    }
    pendingBytes += chunk.length;
    if (pendingBytes > maxLineBytes) throw lineTooLong(maxLineBytes);
    if (chunk.length > 0) pending.push(chunk);
  }
  const last = payloadOf(Buffer.concat(pending));
  if (last !== null) yield last;
}
