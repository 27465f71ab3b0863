import type { IncomingMessage } from 'node:http';
import {
  MaxFileSizeExceededError,
  MaxTotalSizeExceededError,
  MultipartParseError,
  getMultipartBoundary,
  isMultipartRequest,
  parseMultipart,
} from '@remix-run/multipart-parser/node';

/** A file part of a multipart form. */
export interface FormFile {
  filename: string;
  /** The part's Content-Type, if it sent one. */
  mediaType: string | undefined;
  bytes: Uint8Array;
}

/** A request body read as `multipart/form-data`. */
export interface ParsedForm {
  /** False when the body was not multipart at all (it was read and discarded). */
  multipart: boolean;
  /** Text parts by name; a repeated name keeps its last value, as Starlette does. */
  fields: Map<string, string>;
  /** File parts (parts with a filename) by name. */
  files: Map<string, FormFile>;
}

/** The body or one of its parts exceeded the size limit; the rest of the body was not read. */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`the body or one of its parts exceeds ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The body claims to be multipart but does not parse as such. */
export class MalformedBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedBodyError';
  }
}

// Room for the text fields, part headers and boundaries around a maximal audio part.
const FORM_OVERHEAD_BYTES = 1024 * 1024;

/**
 * Reads the whole body, then parses it as multipart. Collecting first (rather than streaming
 * the request into the parser) keeps the socket ours: a parser that gives up cancels its source
 * stream, which would destroy the socket before we could answer 400. The parser buffers every
 * part anyway, as the upstream must see all of the audio before converting it.
 */
export async function readMultipartForm(
  req: IncomingMessage,
  maxPartBytes: number,
): Promise<ParsedForm> {
  const form: ParsedForm = {
    multipart: isMultipartRequest(req),
    fields: new Map(),
    files: new Map(),
  };
  const body = await collectBody(req, maxPartBytes + FORM_OVERHEAD_BYTES);
  if (body === null) throw new BodyTooLargeError(maxPartBytes);
  if (!form.multipart) return form;
  const boundary = getMultipartBoundary(req.headers['content-type'] ?? '');
  if (!boundary) throw new MalformedBodyError('multipart Content-Type without a boundary');
  try {
    const options = { boundary, maxFileSize: maxPartBytes, maxTotalSize: body.length + 1 };
    for (const part of parseMultipart(body, options)) {
      if (!part.name) continue;
      if (part.filename === undefined) form.fields.set(part.name, part.text);
      else
        form.files.set(part.name, {
          filename: part.filename,
          mediaType: part.mediaType,
          bytes: part.bytes,
        });
    }
  } catch (error) {
    if (error instanceof MaxFileSizeExceededError || error instanceof MaxTotalSizeExceededError) {
      throw new BodyTooLargeError(maxPartBytes);
    }
    if (error instanceof MultipartParseError) throw new MalformedBodyError(error.message);
    throw error;
  }
  return form;
}

/**
 * The whole body (empty when `keep` is false), or null once more than `maxBytes` arrived:
 * reading then stops without destroying the socket, so an error can still be sent (the caller
 * must close the connection). Rejects if the client goes away mid-body.
 */
export function collectBody(
  req: IncomingMessage,
  maxBytes: number,
  keep = true,
): Promise<Buffer | null> {
  // A body already read emits nothing more: waiting for 'end' would hang.
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData).off('end', onEnd).off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (keep) chunks.push(chunk);
      if (size <= maxBytes) return;
      cleanup();
      req.pause();
      resolve(null);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    // 'close' before 'end' means the client aborted; errors surface as that too.
    const onClose = (): void => {
      cleanup();
      reject(new Error('the client went away before the body ended'));
    };
    req
      .on('data', onData)
      .on('end', onEnd)
      .on('close', onClose)
      .on('error', () => {});
  });
}

/**
 * Reads and discards the body so the client can finish sending before we answer (answering
 * mid-upload makes many clients report a write error instead of our response). False when the
 * body was over `maxBytes` or broke off: the caller must then close the connection.
 */
export async function drainRequest(req: IncomingMessage, maxBytes: number): Promise<boolean> {
  if (req.complete) return true;
  try {
    return (await collectBody(req, maxBytes, false)) !== null;
  } catch {
    return false;
  }
}
