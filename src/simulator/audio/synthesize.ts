import { createPrng, type Prng } from '../prng.ts';

/**
 * A voice-like signal: a pitched harmonic tone with vibrato, shaped into syllables and pauses.
 * Nothing is derived from the input's content (we do not decode it); only its duration is kept.
 * All randomness comes from the seed, so the same seed gives the same samples.
 */

interface Voice {
  baseHz: number;
  harmonicWeights: number[];
  vibratoHz: number;
  vibratoDepth: number;
}

interface Syllable {
  start: number;
  length: number;
  amplitude: number;
  pitchFrom: number;
  pitchTo: number;
}

const between = (prng: Prng, low: number, high: number): number => low + (high - low) * prng.next();

function pickVoice(prng: Prng): Voice {
  const harmonicWeights = [1, 0, 0, 0, 0].map((first, k) => first || between(prng, 0.1, 0.7) / k);
  return {
    baseHz: between(prng, 95, 255),
    harmonicWeights,
    vibratoHz: between(prng, 4.5, 6.5),
    vibratoDepth: between(prng, 0.01, 0.03),
  };
}

function planSyllables(prng: Prng, totalSamples: number, sampleRate: number): Syllable[] {
  const syllables: Syllable[] = [];
  let cursor = 0;
  while (cursor < totalSamples) {
    // Speech pauses now and then between syllables of 120–320 ms.
    if (prng.next() < 0.15) cursor += Math.round(between(prng, 0.08, 0.25) * sampleRate);
    const length = Math.round(between(prng, 0.12, 0.32) * sampleRate);
    syllables.push({
      start: cursor,
      length: Math.min(length, Math.max(0, totalSamples - cursor)),
      amplitude: between(prng, 0.35, 0.8),
      pitchFrom: between(prng, 0.85, 1.2),
      pitchTo: between(prng, 0.85, 1.2),
    });
    cursor += length;
  }
  return syllables;
}

function renderSyllable(out: Int16Array, syllable: Syllable, voice: Voice, sampleRate: number) {
  let phase = 0;
  for (let i = 0; i < syllable.length; i++) {
    const n = syllable.start + i;
    const progress = i / syllable.length;
    const vibrato =
      1 + voice.vibratoDepth * Math.sin((2 * Math.PI * voice.vibratoHz * n) / sampleRate);
    const pitch = syllable.pitchFrom + (syllable.pitchTo - syllable.pitchFrom) * progress;
    phase += (2 * Math.PI * voice.baseHz * pitch * vibrato) / sampleRate;
    // Harmonics by the sin(kθ) recurrence: one sin and one cos per sample instead of five sins.
    const s1 = Math.sin(phase);
    const twoCos = 2 * Math.cos(phase);
    let previous = 0;
    let current = s1;
    let value = 0;
    for (const weight of voice.harmonicWeights) {
      value += weight * current;
      const next = twoCos * current - previous;
      previous = current;
      current = next;
    }
    const envelope = Math.sin(Math.PI * progress);
    out[n] = Math.round(
      Math.max(-1, Math.min(1, 0.3 * syllable.amplitude * envelope * value)) * 32767,
    );
  }
}

/**
 * `round(durationSeconds × sampleRate)` samples of synthetic speech, deterministic per seed.
 * `voiceSeed` (default: `seed`) picks pitch and timbre, so phrases can share one speaker.
 */
export function synthesizeVoice(
  durationSeconds: number,
  sampleRate: number,
  seed: Uint8Array,
  voiceSeed: Uint8Array = seed,
): Int16Array {
  const voice = pickVoice(createPrng(voiceSeed));
  const prng = createPrng(seed);
  const out = new Int16Array(Math.round(durationSeconds * sampleRate));
  for (const syllable of planSyllables(prng, out.length, sampleRate)) {
    renderSyllable(out, syllable, voice, sampleRate);
  }
  return out;
}
