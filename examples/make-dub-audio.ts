// Writes the dub example's input clips, examples/audio/dub-*.wav: a line of synthetic speech
// (the simulator's voice synthesizer) over a tone bed, 3 s of mono 16 kHz WAV each, made by the
// repo itself so nothing recorded has to ship. The bed stays under 300 Hz and the voice's body
// above it, so even the simulator's band-split stem separation tells them apart.
// The files are committed; `npx tsx examples/make-dub-audio.ts` recreates them byte for byte.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeWav } from '../src/simulator/audio/encode-wav.ts';
import { synthesizeVoice } from '../src/simulator/audio/synthesize.ts';
import { hashParts } from '../src/simulator/prng.ts';

const RATE = 16_000;
const CLIP_SECONDS = 3;

interface Clip {
  file: string;
  /** Where the spoken line starts and how long it lasts, in seconds. */
  speechAt: number;
  speechSeconds: number;
  /** The bed's chord (Hz) and how fast it swells (Hz). */
  chord: readonly number[];
  swellHz: number;
}

const CLIPS: readonly Clip[] = [
  { file: 'dub-1.wav', speechAt: 0.4, speechSeconds: 2.0, chord: [55, 82.5, 110], swellHz: 0.5 },
  { file: 'dub-2.wav', speechAt: 0.25, speechSeconds: 2.5, chord: [65.4, 98, 130.8], swellHz: 1 },
  { file: 'dub-3.wav', speechAt: 0.8, speechSeconds: 1.6, chord: [49, 73.4, 146.8], swellHz: 2 },
];

/** The background: a soft chord whose level swells, peak 0.25 of full scale. */
function toneBed(clip: Clip, length: number): Float32Array {
  const bed = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const t = i / RATE;
    const swell = 0.75 + 0.25 * Math.sin(2 * Math.PI * clip.swellHz * t);
    let chord = 0;
    for (const hz of clip.chord) chord += Math.sin(2 * Math.PI * hz * t);
    bed[i] = (0.25 * swell * chord) / clip.chord.length;
  }
  return bed;
}

function makeClip(clip: Clip, index: number): Buffer {
  const length = CLIP_SECONDS * RATE;
  const mix = toneBed(clip, length);
  const seed = hashParts(['dub-example', String(index)]);
  const voice = synthesizeVoice(clip.speechSeconds, RATE, seed);
  const offset = Math.round(clip.speechAt * RATE);
  for (let i = 0; i < voice.length && offset + i < length; i++) {
    mix[offset + i]! += voice[i]! / 32768;
  }
  const samples = Int16Array.from(mix, (x) => Math.round(Math.max(-1, Math.min(1, x)) * 32767));
  return encodeWav(samples, RATE);
}

const audioDir = join(dirname(fileURLToPath(import.meta.url)), 'audio');
mkdirSync(audioDir, { recursive: true });
CLIPS.forEach((clip, index) => {
  const bytes = makeClip(clip, index + 1);
  writeFileSync(join(audioDir, clip.file), bytes);
  console.log(`${clip.file}: ${bytes.length} bytes`);
});
