import { parseBuffer } from 'music-metadata';

/** A mono 16-bit PCM WAV of a sine tone, the input audio of the end-to-end tests. */
export function sineWav(seconds: number, sampleRate = 16_000, frequency = 220): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    data.writeInt16LE(
      Math.round(Math.sin((2 * Math.PI * frequency * i) / sampleRate) * 12_000),
      i * 2,
    );
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Decodes audio the way a user's player would, and returns its duration in seconds. */
export async function decodedDurationSeconds(bytes: Buffer, mimeType: string): Promise<number> {
  const metadata = await parseBuffer(bytes, { mimeType }, { duration: true });
  if (metadata.format.duration === undefined) throw new Error('no duration: not decodable');
  return metadata.format.duration;
}
