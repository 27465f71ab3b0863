// Writes the example input audio: short mono 16 kHz WAV files, one per source line of the
// dubbing manifest (tones with a syllable-like envelope; any audio works for speech-to-speech).
// The files are committed; run `node examples/make-audio.js` to recreate them.
import { Buffer } from 'node:buffer';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RATE = 16_000;
const LINES = [
  { file: 'line-1.wav', seconds: 0.6, hz: 196 },
  { file: 'line-2.wav', seconds: 0.8, hz: 247 },
  { file: 'line-3.wav', seconds: 1.0, hz: 294 },
];

function wav(seconds, hz) {
  const samples = Math.round(seconds * RATE);
  const out = Buffer.alloc(44 + samples * 2);
  out.write('RIFF', 0);
  out.writeUInt32LE(36 + samples * 2, 4);
  out.write('WAVEfmt ', 8);
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(RATE, 24);
  out.writeUInt32LE(RATE * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36);
  out.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) {
    const t = i / RATE;
    const syllables = Math.abs(Math.sin(Math.PI * 4 * t)); // four "syllables" a second
    const sample = Math.sin(2 * Math.PI * hz * t) * syllables * 10_000;
    out.writeInt16LE(Math.round(sample), 44 + i * 2);
  }
  return out;
}

const folder = join(dirname(fileURLToPath(import.meta.url)), 'audio');
mkdirSync(folder, { recursive: true });
for (const line of LINES) writeFileSync(join(folder, line.file), wav(line.seconds, line.hz));
