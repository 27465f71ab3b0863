import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { filterBand, type Band } from '../audio/band-split.ts';
import { decodePcmWav } from '../audio/decode-wav.ts';
import { encodeAlaw, encodeUlaw } from '../audio/encode-g711.ts';
import { encodeMp3Async } from '../audio/encode-mp3-async.ts';
import { encodeSilentOggOpus } from '../audio/encode-ogg-opus.ts';
import { encodePcm16le } from '../audio/encode-pcm.ts';
import { encodeWav } from '../audio/encode-wav.ts';
import type { OutputFormat } from '../audio/output-formats.ts';
import { assembleSamples } from '../audio/phrase-pool.ts';
import { resampleToInt16 } from '../audio/resample-linear.ts';
import { createPrng, hashParts } from '../prng.ts';

/**
 * Simulated stems: each is a frequency band of the input (the last one the remainder, so the
 * stems add up to the input), in the requested format, as long as the input. PCM WAV input is
 * read as is; other input (mp3, ogg, …) is not decoded — its stand-in is synthetic speech of the
 * measured duration, picked by the input's sha256, so output still depends on the input and is
 * deterministic. Opus stems are silent (see encode-ogg-opus.ts) but exactly as long.
 */

/** One stem: its name and frequency band; `null` takes whatever the other stems left. */
export type StemLayout = readonly (readonly [name: string, band: Band | null])[];

/** The upstream's six stems, in its order (upstream.md, "Stems ZIP"). */
export const SIX_STEM_LAYOUT: StemLayout = [
  ['vocals', { low: 500, high: 2000 }],
  ['drums', { low: 4000, high: Infinity }],
  ['bass', { low: 0, high: 200 }],
  ['guitar', { low: 2000, high: 4000 }],
  ['piano', { low: 200, high: 500 }],
  ['other', null],
];

/** Two stems: the voice band, then the rest (names are configurable: unconfirmed upstream). */
export function twoStemLayout(names: readonly [string, string]): StemLayout {
  return [
    [names[0], { low: 300, high: 3400 }],
    [names[1], null],
  ];
}

/** The input as samples, and how long it is. */
export interface StemSource {
  sampleRate: number;
  samples: Float32Array;
  seconds: number;
  inputHash: Uint8Array;
}

/** The input's samples (PCM WAV), or a synthetic stand-in of `seconds` at the output rate. */
export async function stemSource(
  input: Uint8Array,
  seconds: number,
  format: OutputFormat,
): Promise<StemSource> {
  const inputHash = new Uint8Array(createHash('sha256').update(input).digest());
  const decoded = decodePcmWav(input);
  if (decoded && decoded.samples.length > 0) {
    return { ...decoded, seconds: decoded.samples.length / decoded.sampleRate, inputHash };
  }
  const total = Math.max(1, Math.round(seconds * format.sampleRate));
  const prng = createPrng(hashParts(['stem-source', inputHash]));
  const synthetic = await assembleSamples(format.sampleRate, total, prng);
  const samples = Float32Array.from(synthetic, (value) => value / 32768);
  return { sampleRate: format.sampleRate, samples, seconds, inputHash };
}

/** Every stem of `layout`, encoded; one at a time, so memory stays at a few input copies. */
export async function renderStems(
  source: StemSource,
  layout: StemLayout,
  format: OutputFormat,
): Promise<{ name: string; bytes: Buffer }[]> {
  const total = Math.max(1, Math.round(source.seconds * format.sampleRate));
  const sum = new Float32Array(source.samples.length);
  const stems: { name: string; bytes: Buffer }[] = [];
  for (const [name, band] of layout) {
    const stem = band
      ? filterBand(source.samples, source.sampleRate, band)
      : source.samples.map((value, i) => value - (sum[i] ?? 0));
    if (band) for (let i = 0; i < stem.length; i++) sum[i] = (sum[i] ?? 0) + (stem[i] ?? 0);
    const seed = hashParts(['stem', name, source.inputHash]);
    stems.push({ name, bytes: await encodeStem(resampleToInt16(stem, total), format, seed) });
    await yieldToEventLoop();
  }
  return stems;
}

async function encodeStem(
  samples: Int16Array,
  format: OutputFormat,
  seed: Uint8Array,
): Promise<Buffer> {
  switch (format.codec) {
    case 'mp3':
      return encodeMp3Async(samples, format.sampleRate, format.bitrateKbps ?? 128);
    case 'pcm':
      return encodePcm16le(samples);
    case 'wav':
      return encodeWav(samples, format.sampleRate);
    case 'ulaw':
      return encodeUlaw(samples);
    case 'alaw':
      return encodeAlaw(samples);
    case 'opus':
      return encodeSilentOggOpus(samples.length / format.sampleRate, seed);
  }
}
