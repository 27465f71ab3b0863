import { Mp3Encoder } from '@breezystack/lamejs';
import { keepMp3Frames, readMp3FrameHeader } from './mp3-frames.ts';

// lamejs wants multiples of its frame size; a larger block just means fewer calls.
const BLOCK_SAMPLES = 1152 * 32;

/**
 * Mono CBR MP3 with lamejs, cut to the frame count whose duration is closest to the input's.
 * The encoder adds about two frames of delay and flush padding; without the cut a 2 s input
 * would decode as ~2.04 s (44.1 kHz) or ~2.06 s (22.05/24 kHz). lamejs writes no Xing tag and
 * disables the bit reservoir, so every frame decodes on its own.
 *
 * LAME picks its own output rate at low bitrates and lamejs cannot force it: 44.1 kHz at
 * 32 kbps comes out at 22.05 kHz. Frame counts therefore follow the encoded frames' own rate.
 */
export function encodeMp3(samples: Int16Array, sampleRate: number, bitrateKbps: number): Buffer {
  const encoder = new Mp3Encoder(1, sampleRate, bitrateKbps);
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < samples.length; offset += BLOCK_SAMPLES) {
    parts.push(asBytes(encoder.encodeBuffer(samples.subarray(offset, offset + BLOCK_SAMPLES))));
  }
  parts.push(asBytes(encoder.flush()));
  const encoded = Buffer.concat(parts);
  const header = readMp3FrameHeader(encoded, 0);
  if (!header) return encoded;
  const seconds = samples.length / sampleRate;
  const frames = Math.max(1, Math.round((seconds * header.sampleRate) / header.samplesPerFrame));
  return Buffer.from(keepMp3Frames(encoded, frames));
}

// lamejs is typed as returning Uint8Array but hands back Int8Array views; Buffer.concat refuses those.
function asBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
