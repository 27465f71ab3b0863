/**
 * Reads the samples of a PCM WAV file (16-bit integer, any channel count, mixed down to mono),
 * so simulated stems can be derived from real input. Anything else returns null and the caller
 * falls back to synthesis; a full decoder for every input format is not the simulator's job.
 */

/** Mono samples in [-1, 1) at the file's own rate. */
export interface DecodedAudio {
  sampleRate: number;
  samples: Float32Array;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

interface WavFormat {
  tag: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

function readChunks(bytes: Buffer): { format: WavFormat | null; data: Buffer | null } {
  let format: WavFormat | null = null;
  let data: Buffer | null = null;
  for (let offset = 12; offset + 8 <= bytes.length;) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const body = bytes.subarray(offset + 8, Math.min(bytes.length, offset + 8 + size));
    if (id === 'fmt ' && body.length >= 16) {
      format = {
        tag: body.readUInt16LE(0),
        channels: body.readUInt16LE(2),
        sampleRate: body.readUInt32LE(4),
        bitsPerSample: body.readUInt16LE(14),
      };
    } else if (id === 'data') data = body;
    offset += 8 + size + (size % 2); // chunks are word-aligned
  }
  return { format, data };
}

/** The decoded samples, or null when `bytes` is not a 16-bit PCM WAV. */
export function decodePcmWav(bytes: Uint8Array): DecodedAudio | null {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 12 || buffer.toString('ascii', 0, 4) !== 'RIFF') return null;
  if (buffer.toString('ascii', 8, 12) !== 'WAVE') return null;
  const { format, data } = readChunks(buffer);
  if (!format || !data || format.bitsPerSample !== 16 || format.channels < 1) return null;
  if (format.tag !== WAVE_FORMAT_PCM && format.tag !== WAVE_FORMAT_EXTENSIBLE) return null;
  if (format.sampleRate < 1000) return null;
  const frames = Math.floor(data.length / (2 * format.channels));
  const samples = new Float32Array(frames);
  for (let frame = 0; frame < frames; frame++) {
    let sum = 0;
    for (let channel = 0; channel < format.channels; channel++) {
      sum += data.readInt16LE((frame * format.channels + channel) * 2);
    }
    samples[frame] = sum / format.channels / 32768;
  }
  return { sampleRate: format.sampleRate, samples };
}
