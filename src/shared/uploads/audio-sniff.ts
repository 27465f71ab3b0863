import { fileTypeFromBuffer } from 'file-type';
import { PassThrough, type Readable } from 'node:stream';
import { UnsupportedMediaTypeError, ValidationError } from '../errors.ts';

/**
 * Uploads must be audio: the first bytes are read before anything is stored and must be a
 * container the upstream decodes (file-type's magic numbers). Raw PCM has no container, so it
 * is taken only when declared (`Content-Type: audio/pcm`: 16-bit little-endian, 16 kHz, mono,
 * what `file_format: pcm_s16le_16` means upstream) and the bytes are neither a known format
 * nor text.
 */

/** The declared type of raw PCM uploads. */
export const RAW_PCM_TYPE = 'audio/pcm';

/** How much is read to decide (file-type's own recommendation). */
const HEAD_BYTES = 4_100;

/** Containers that carry audio: every audio/* type, and video containers the upstream takes. */
const VIDEO_CONTAINERS = new Set([
  'video/mp4',
  'video/webm',
  'video/x-matroska',
  'video/quicktime',
  'video/ogg',
]);

/** What the bytes are, and the stream of all of them (the head read put back in front). */
export interface SniffedUpload {
  /** The detected type, or RAW_PCM_TYPE for declared raw PCM. */
  contentType: string;
  body: Readable;
}

/** True when `declared` (a Content-Type value) says raw PCM. */
export function isRawPcmType(declared: string | undefined): boolean {
  return (declared ?? '').split(';')[0]?.trim().toLowerCase() === RAW_PCM_TYPE;
}

/**
 * Reads the head of `body` and decides; throws 415 naming what was found when it is not audio.
 * `field` names the part in the message (`body`, `file`, `audio`).
 */
export async function sniffAudio(
  body: Readable,
  declared: string | undefined,
  field: string,
): Promise<SniffedUpload> {
  const head = await readHead(body, HEAD_BYTES);
  if (head.length === 0)
    throw new ValidationError('The upload is empty.', [{ field, message: 'is empty' }]);
  const found = head.length > 0 ? await fileTypeFromBuffer(head) : undefined;
  const rest = rejoin(head, body);
  if (isRawPcmType(declared)) {
    if (found) throw notAudio(field, `${found.mime} data declared as ${RAW_PCM_TYPE}`);
    if (looksLikeText(head)) throw notAudio(field, `text declared as ${RAW_PCM_TYPE}`);
    return { contentType: RAW_PCM_TYPE, body: rest };
  }
  if (found && (found.mime.startsWith('audio/') || VIDEO_CONTAINERS.has(found.mime)))
    return { contentType: found.mime, body: rest };
  const what = found ? found.mime : looksLikeText(head) ? 'text' : 'no known audio format';
  throw notAudio(field, what);
}

function notAudio(field: string, found: string): UnsupportedMediaTypeError {
  return new UnsupportedMediaTypeError(
    `The ${field} is not audio in a supported container (found: ${found}). Send MP3, WAV, ` +
      `FLAC, OGG/Opus, AAC/M4A, WebM or AIFF; raw 16-bit PCM as ${RAW_PCM_TYPE}.`,
  );
}

/** Up to `size` bytes from the start of `body`, leaving the rest unread (paused). */
function readHead(body: Readable, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // A part of a form that failed may be destroyed before anyone listened to it.
    if (body.destroyed && !body.readableEnded) return reject(cutShort(body));
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (error?: Error) => {
      body.off('data', onData).off('end', onEnd).off('error', done).off('close', onClose);
      body.pause();
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= size) done();
    };
    const onEnd = () => done();
    const onClose = () => done(body.readableEnded ? undefined : cutShort(body));
    body.on('data', onData).once('end', onEnd).once('error', done).once('close', onClose);
  });
}

/** The error of a stream that closed before its end. */
function cutShort(body: Readable): Error {
  return body.errored ?? new Error('the body was cut short');
}

/** The head put back in front of what is left of `body`, as one stream. */
function rejoin(head: Buffer, body: Readable): Readable {
  const joined = new PassThrough();
  body.on('error', (error) => joined.destroy(error));
  body.on('close', () => {
    if (!body.readableEnded) joined.destroy(cutShort(body));
  });
  if (body.readableEnded) {
    joined.end(head);
  } else {
    joined.write(head);
    body.pipe(joined);
  }
  return joined;
}

/** UTF-8 without control characters (but tab and newlines): HTML, JSON, CSV, … */
function looksLikeText(head: Buffer): boolean {
  if (head.length === 0) return false;
  let text: string;
  try {
    // A multi-byte character cut at the end of the head is not a reason to call it binary.
    const end = head.length > 8 ? head.length - 3 : head.length;
    text = new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
  } catch {
    return false;
  }
  // eslint-disable-next-line no-control-regex -- control characters are what makes it binary
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text);
}
