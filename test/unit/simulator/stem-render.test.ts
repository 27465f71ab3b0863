import { describe, expect, it } from 'vitest';
import { parseBuffer } from 'music-metadata';
import { filterBand } from '../../../src/simulator/audio/band-split.ts';
import { decodePcmWav } from '../../../src/simulator/audio/decode-wav.ts';
import { encodeWav } from '../../../src/simulator/audio/encode-wav.ts';
import {
  parseOutputFormat,
  type OutputFormat,
} from '../../../src/simulator/audio/output-formats.ts';
import { resampleToInt16 } from '../../../src/simulator/audio/resample-linear.ts';
import {
  SIX_STEM_LAYOUT,
  renderStems,
  stemSource,
  twoStemLayout,
} from '../../../src/simulator/routes/stem-render.ts';

const RATE = 16_000;

/** A chord of tones, one per band, so every stem has something of its own. */
function chord(seconds: number, frequencies: readonly number[]): Int16Array {
  const samples = new Int16Array(Math.round(seconds * RATE));
  for (let i = 0; i < samples.length; i++) {
    const t = i / RATE;
    const sum = frequencies.reduce((acc, f) => acc + Math.sin(2 * Math.PI * f * t), 0);
    samples[i] = Math.round((sum / frequencies.length) * 16_000);
  }
  return samples;
}

function format(name: string): OutputFormat {
  const parsed = parseOutputFormat(name);
  if (!parsed) throw new Error(name);
  return parsed;
}

function rms(samples: ArrayLike<number>, from = 0): number {
  let sum = 0;
  for (let i = from; i < samples.length; i++) sum += (samples[i] ?? 0) ** 2;
  return Math.sqrt(sum / Math.max(1, samples.length - from));
}

function pcmSamples(bytes: Buffer): Int16Array {
  const out = new Int16Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
  return out;
}

describe('decodePcmWav', () => {
  it('reads 16-bit PCM WAV, mixing stereo down to mono', () => {
    const mono = decodePcmWav(encodeWav(Int16Array.from([0, 16384, -16384]), 8000));
    expect(mono?.sampleRate).toBe(8000);
    expect(Array.from(mono?.samples ?? [])).toEqual([0, 0.5, -0.5]);
    const stereo = encodeWav(Int16Array.from([16384, 0, -16384, -16384]), 8000);
    stereo.writeUInt16LE(2, 22); // two channels: the four samples are two frames
    expect(Array.from(decodePcmWav(stereo)?.samples ?? [])).toEqual([0.25, -0.5]);
  });

  it('returns null for anything else', () => {
    expect(decodePcmWav(Buffer.from('ID3 not a wav'))).toBeNull();
    const eightBit = encodeWav(Int16Array.from([1, 2]), 8000);
    eightBit.writeUInt16LE(8, 34);
    expect(decodePcmWav(eightBit)).toBeNull();
  });
});

describe('filterBand and resampleToInt16', () => {
  it('keeps a tone inside the band and removes one far outside it', () => {
    const input = Float32Array.from(chord(1, [100]), (v) => v / 32768);
    const low = filterBand(input, RATE, { low: 0, high: 200 });
    const high = filterBand(input, RATE, { low: 4000, high: Infinity });
    expect(rms(low, 1600) / rms(input, 1600)).toBeGreaterThan(0.9);
    expect(rms(high, 1600) / rms(input, 1600)).toBeLessThan(0.01);
    expect(filterBand(input, RATE, { low: 7900, high: Infinity }).every((v) => v === 0)).toBe(true);
  });

  it('stretches to exactly the requested length', () => {
    const out = resampleToInt16(Float32Array.from([0, 0.5, -0.5, 1]), 7);
    expect(out).toHaveLength(7);
    expect(out[0]).toBe(0);
    expect(out[6]).toBe(32767); // 1.0 clamps
  });
});

describe('renderStems', () => {
  const input = encodeWav(chord(1, [100, 300, 1000, 3000, 6000]), RATE);

  it('derives six stems from the input that add back up to it (pcm at the input rate)', async () => {
    const pcm = format('pcm_16000');
    const stems = await renderStems(await stemSource(input, 1, pcm), SIX_STEM_LAYOUT, pcm);
    expect(stems.map((s) => s.name)).toEqual([
      'vocals',
      'drums',
      'bass',
      'guitar',
      'piano',
      'other',
    ]);
    const decoded = stems.map((s) => pcmSamples(s.bytes));
    for (const samples of decoded) expect(samples).toHaveLength(RATE);
    const original = pcmSamples(input.subarray(44));
    let worst = 0;
    for (let i = 0; i < original.length; i++) {
      const sum = decoded.reduce((acc, samples) => acc + (samples[i] ?? 0), 0);
      worst = Math.max(worst, Math.abs(sum - (original[i] ?? 0)));
    }
    expect(worst).toBeLessThanOrEqual(6); // one rounding per stem
    // Each band stem carries its own tone: none is silent, and they differ.
    for (const samples of decoded.slice(0, 5)) expect(rms(samples, 1600)).toBeGreaterThan(500);
    expect(new Set(stems.map((s) => s.bytes.toString('base64'))).size).toBe(6);
  });

  it('names two stems as configured, and encodes decodable mp3 of the input length', async () => {
    const mp3 = format('mp3_44100_128');
    const source = await stemSource(input, 1, mp3);
    const stems = await renderStems(source, twoStemLayout(['voice', 'backing']), mp3);
    expect(stems.map((s) => s.name)).toEqual(['voice', 'backing']);
    for (const stem of stems) {
      const { format: info } = await parseBuffer(stem.bytes, { mimeType: 'audio/mpeg' });
      expect(info.sampleRate).toBe(44100);
      expect(Math.abs((info.duration ?? 0) - 1)).toBeLessThan(0.015);
    }
  });

  it('stands in for input it cannot decode with audio picked by its hash, as long as it is', async () => {
    const ulaw = format('ulaw_8000');
    const notWav = Buffer.from('an mp3 the simulator does not decode');
    const first = await renderStems(await stemSource(notWav, 1.5, ulaw), SIX_STEM_LAYOUT, ulaw);
    const again = await renderStems(await stemSource(notWav, 1.5, ulaw), SIX_STEM_LAYOUT, ulaw);
    const other = await renderStems(
      await stemSource(Buffer.from('another input'), 1.5, ulaw),
      SIX_STEM_LAYOUT,
      ulaw,
    );
    for (const stem of first) expect(stem.bytes).toHaveLength(12_000);
    expect(first.map((s) => s.bytes)).toEqual(again.map((s) => s.bytes));
    expect(first[0]?.bytes.equals(other[0]?.bytes ?? Buffer.alloc(0))).toBe(false);
  });
});
