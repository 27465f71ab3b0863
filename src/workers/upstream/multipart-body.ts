import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/**
 * A multipart/form-data body streamed part by part, with its length known up front. undici's
 * FormData wants whole Blobs, which would put up to 50 MB of input audio in memory per job; this
 * writes the file part straight from storage instead (~40 lines, no library does it streaming
 * with a known Content-Length).
 */
export type MultipartField =
  | { name: string; value: string }
  | {
      name: string;
      fileName: string;
      contentType: string;
      bytes: number;
      open: () => Promise<Readable>;
    };

export interface MultipartBody {
  contentType: string;
  contentLength: number;
  body: Readable;
}

export function buildMultipartBody(fields: readonly MultipartField[]): MultipartBody {
  const boundary = `audiobatch-${randomBytes(12).toString('hex')}`;
  const heads = fields.map((field) => Buffer.from(partHead(boundary, field)));
  const tail = Buffer.from(`--${boundary}--\r\n`);
  const contentLength =
    heads.reduce((sum, head) => sum + head.length + 2, 0) +
    fields.reduce(
      (sum, field) => sum + ('value' in field ? Buffer.byteLength(field.value) : field.bytes),
      0,
    ) +
    tail.length;

  async function* generate(): AsyncGenerator<Buffer> {
    for (const [index, field] of fields.entries()) {
      yield heads[index] as Buffer;
      if ('value' in field) yield Buffer.from(field.value);
      else for await (const chunk of await field.open()) yield chunk as Buffer;
      yield Buffer.from('\r\n');
    }
    yield tail;
  }

  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength,
    body: Readable.from(generate(), { objectMode: false }),
  };
}

function partHead(boundary: string, field: MultipartField): string {
  const disposition =
    'value' in field
      ? `form-data; name="${field.name}"`
      : `form-data; name="${field.name}"; filename="${field.fileName}"`;
  const type = 'value' in field ? '' : `Content-Type: ${field.contentType}\r\n`;
  return `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`;
}
