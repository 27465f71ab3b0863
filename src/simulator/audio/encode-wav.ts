import { encodePcm16le } from './encode-pcm.ts';

/** Size of the canonical RIFF/WAVE header written by {@link encodeWav}. */
export const WAV_HEADER_BYTES = 44;

/**
 * RIFF/WAVE, PCM (format tag 1), 16-bit, mono: the canonical 44-byte header followed by the
 * samples. This is what the upstream's `wav_*` formats decode as.
 */
export function encodeWav(samples: Int16Array, sampleRate: number): Buffer {
  const data = encodePcm16le(samples);
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size for plain PCM
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
