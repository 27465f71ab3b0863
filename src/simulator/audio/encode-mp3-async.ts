import { Mp3Encoder } from '@breezystack/lamejs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { keepMp3Frames, readMp3FrameHeader } from './mp3-frames.ts';

// ~0.8 s of 44.1 kHz audio per block: short enough that other requests keep being served.
const BLOCK_SAMPLES = 1152 * 32;

/**
 * {@link encodeMp3} for audio that cannot come from the phrase pool (stems are derived from the
 * caller's input), yielding to the event loop between blocks: lamejs runs ~25× real time, so
 * six stems of a 3-minute song would otherwise block the process for tens of seconds. Same
 * output as encodeMp3: mono CBR, cut to the frame count closest to the input's duration.
 */
export async function encodeMp3Async(
  samples: Int16Array,
  sampleRate: number,
  bitrateKbps: number,
): Promise<Buffer> {
  const encoder = new Mp3Encoder(1, sampleRate, bitrateKbps);
  const parts: Uint8Array[] = [];
  for (let offset = 0; offset < samples.length; offset += BLOCK_SAMPLES) {
    parts.push(asBytes(encoder.encodeBuffer(samples.subarray(offset, offset + BLOCK_SAMPLES))));
    await yieldToEventLoop();
  }
  parts.push(asBytes(encoder.flush()));
  const encoded = Buffer.concat(parts);
  const header = readMp3FrameHeader(encoded, 0);
  if (!header) return encoded;
  const seconds = samples.length / sampleRate;
  const frames = Math.max(1, Math.round((seconds * header.sampleRate) / header.samplesPerFrame));
  return Buffer.from(keepMp3Frames(encoded, frames));
}

// lamejs hands back Int8Array views typed as Uint8Array; Buffer.concat refuses those.
function asBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
