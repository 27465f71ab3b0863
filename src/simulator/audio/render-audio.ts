import { createPrng } from '../prng.ts';
import { encodeAlaw, encodeUlaw } from './encode-g711.ts';
import { encodeSilentOggOpus } from './encode-ogg-opus.ts';
import { encodePcm16le } from './encode-pcm.ts';
import { encodeWav } from './encode-wav.ts';
import { assembleMp3 } from './mp3-phrase-pool.ts';
import type { OutputFormat } from './output-formats.ts';
import { assembleSamples } from './phrase-pool.ts';

/**
 * The complete body of a successful audio response: `durationSeconds` of synthetic speech in
 * `format`, deterministic for a given `seed` (≥ 16 bytes; a request fingerprint hash).
 * Durations are exact to the sample, except mp3 (to the nearest whole frame, ≤ 13 ms off).
 */
export async function renderAudio(
  format: OutputFormat,
  durationSeconds: number,
  seed: Uint8Array,
): Promise<Buffer> {
  const prng = createPrng(seed);
  const totalSamples = Math.round(durationSeconds * format.sampleRate);
  switch (format.codec) {
    case 'opus':
      return encodeSilentOggOpus(durationSeconds, seed);
    case 'mp3':
      return assembleMp3(format, durationSeconds, prng);
    case 'pcm':
      return encodePcm16le(await assembleSamples(format.sampleRate, totalSamples, prng));
    case 'wav':
      return encodeWav(
        await assembleSamples(format.sampleRate, totalSamples, prng),
        format.sampleRate,
      );
    case 'ulaw':
      return encodeUlaw(await assembleSamples(format.sampleRate, totalSamples, prng));
    case 'alaw':
      return encodeAlaw(await assembleSamples(format.sampleRate, totalSamples, prng));
  }
}
