import { pipeline, type Readable } from 'node:stream';
import { expectLength } from '../upstream/expect-length.ts';
import { UpstreamError } from '../upstream/upstream-error.ts';
import { dialogueChunkSchema, type DialogueChunk } from './dialogue-wire.ts';
import { ndjsonLines } from './ndjson-lines.ts';

/**
 * The chunks of a timestamped dialogue answer, parsed and checked. The audio is base64 inside
 * JSON, so each JSON text (the whole `/with-timestamps` answer, or one NDJSON line of the
 * stream) is buffered before it can be parsed; the stream thus holds one line at a time.
 */

/** Biggest JSON text held at once: ~5 min of pcm_48000 is ~40 MB as base64; 256 MiB is slack. */
export const MAX_JSON_TEXT_BYTES = 256 * 1024 * 1024;

/** A success body that is not what the endpoint promises: retried, as a truncated body is. */
export function corruptBody(message: string, cause?: unknown): UpstreamError {
  return new UpstreamError({
    kind: 'retryable',
    status: null,
    upstreamCode: 'invalid_timestamps_body',
    message: `upstream timestamps answer unusable: ${message}`,
    cause,
  });
}

function parseChunk(text: string, where: string): DialogueChunk {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw corruptBody(`${where} is not JSON (cut off?)`, error);
  }
  const parsed = dialogueChunkSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corruptBody(`${where}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
  }
  return parsed.data;
}

/** `/stream/with-timestamps`: one chunk per NDJSON line; an empty stream is corrupt. */
export async function* streamedChunks(body: Readable): AsyncGenerator<DialogueChunk> {
  let line = 0;
  for await (const text of ndjsonLines(body as AsyncIterable<Buffer>, MAX_JSON_TEXT_BYTES)) {
    line += 1;
    yield parseChunk(text, `line ${line}`);
  }
  if (line === 0) throw corruptBody('the stream carried no line');
}

/** `/with-timestamps`: the one JSON object, read whole (checked against Content-Length). */
export async function* singleChunk(
  body: Readable,
  contentLength: number | null,
): AsyncGenerator<DialogueChunk> {
  const checked = pipeline(body, expectLength(contentLength), () => {});
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of checked as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > MAX_JSON_TEXT_BYTES) {
      checked.destroy();
      throw corruptBody(`body exceeds ${MAX_JSON_TEXT_BYTES} bytes`);
    }
    parts.push(part);
  }
  yield parseChunk(Buffer.concat(parts).toString('utf8'), 'the body');
}
