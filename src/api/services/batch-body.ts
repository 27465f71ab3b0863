import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Matrix } from '../../shared/batches/matrix.ts';
import { BadRequestError, PayloadTooLargeError, ValidationError } from '../../shared/errors.ts';

/** Media types read as one job request per line. */
export const NDJSON_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/ndjson'];

/** An NDJSON body, parsed: its lines as items, and a digest of its bytes. */
export class NdjsonBody {
  constructor(
    readonly items: unknown[],
    /** Hex sha256 of the raw body (Idempotency-Key compares bodies by it). */
    readonly digest: string,
  ) {}
}

/**
 * Parses an NDJSON body as it arrives: bytes are split at newlines (a newline byte never
 * occurs inside a multi-byte UTF-8 character) and each line parsed on its own, so the body's
 * text is never held whole next to its items. Blank lines are skipped; `\r\n` is accepted.
 */
export async function readNdjson(stream: Readable, limitBytes: number): Promise<NdjsonBody> {
  const hash = createHash('sha256');
  const items: unknown[] = [];
  let pending: Buffer[] = [];
  let bytes = 0;
  let lineNumber = 0;
  const take = (line: Buffer) => {
    lineNumber++;
    const text = line.toString('utf8').trim();
    if (text.length === 0) return;
    try {
      items.push(JSON.parse(text));
    } catch {
      throw new BadRequestError(
        `Line ${lineNumber} of the NDJSON body is not valid JSON.`,
        [{ field: `line ${lineNumber}`, message: 'is not valid JSON' }],
        'invalid_json',
      );
    }
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > limitBytes) throw new PayloadTooLargeError(limitBytes);
    hash.update(chunk);
    let start = 0;
    for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, end));
      take(Buffer.concat(pending));
      pending = [];
      start = end + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length) take(Buffer.concat(pending));
  return new NdjsonBody(items, hash.digest('hex'));
}

/** A JSON body, parsed, with the digest of its bytes. */
export function readJson(body: Buffer): { value: unknown; digest: string } {
  const digest = createHash('sha256').update(body).digest('hex');
  try {
    return { value: JSON.parse(body.toString('utf8')), digest };
  } catch {
    throw new BadRequestError(
      'The body is not valid JSON.',
      [{ field: 'body', message: 'is not valid JSON' }],
      'invalid_json',
    );
  }
}

/** Batch-level fields given as query parameters (the only way with an NDJSON body). */
export interface BatchQueryFields {
  seed?: number | undefined;
  name?: string | undefined;
  max_characters?: number | undefined;
  webhook_url?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  defaults?: Record<string, unknown> | undefined;
  matrix?: Matrix | undefined;
}

/**
 * The submission an NDJSON body and its query make together. A JSON body carries its batch
 * fields itself: the same fields in its query are refused rather than silently preferred.
 */
export function withQueryFields<T extends { items: unknown[] }>(
  body: T,
  query: BatchQueryFields,
  format: 'json' | 'ndjson',
): T {
  const given = Object.entries(query).filter(([, value]) => value !== undefined);
  if (format === 'json') {
    if (given.length === 0) return body;
    throw new ValidationError(
      'Batch fields go in the JSON body; query parameters are for NDJSON bodies.',
      given.map(([name]) => ({ field: `query.${name}`, message: 'belongs in the JSON body' })),
    );
  }
  const { webhook_url, ...rest } = query;
  return {
    ...body,
    ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)),
    ...(webhook_url !== undefined && { webhook: { url: webhook_url } }),
  };
}
