import type { Writable } from 'node:stream';
import { corruptBody } from './timestamped-chunks.ts';

/** Standard base64 (padding optional): what `Buffer.from(…, 'base64')` would silently skip. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// Decoded in slices so the decoded copy of a long answer is never held whole next to its text.
const SLICE_CHARS = 4 * 256 * 1024;

/** Resolves once `sink` can take more, or rejects if it was destroyed meanwhile. */
function drained(sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      sink.off('drain', onDrain).off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(sink.errored ?? new Error('audio sink closed'));
    sink.on('drain', onDrain).on('close', onClose);
  });
}

/**
 * Decodes one chunk's `audio_base64` into `sink`, slice by slice, honouring backpressure, and
 * hands each decoded slice to `observe` (the audio clock).
 */
export async function writeBase64Audio(
  sink: Writable,
  base64: string,
  observe: (bytes: Buffer) => void,
): Promise<void> {
  if (base64.length % 4 === 1 || !BASE64.test(base64)) {
    throw corruptBody('audio_base64 is not base64');
  }
  for (let offset = 0; offset < base64.length; offset += SLICE_CHARS) {
    if (sink.destroyed) throw sink.errored ?? new Error('audio sink closed');
    const bytes = Buffer.from(base64.slice(offset, offset + SLICE_CHARS), 'base64');
    observe(bytes);
    if (!sink.write(bytes)) await drained(sink);
  }
}
