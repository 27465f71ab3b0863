import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { hashParts, type Prng } from '../prng.ts';
import { synthesizeVoice } from './synthesize.ts';

/**
 * Responses are assembled from a pool of pre-synthesized phrases rather than synthesized (and,
 * for mp3, encoded) per request. A throughput benchmark sends ~50 requests/s; per-request
 * synthesis (~8 ms per audio second at 44.1 kHz) and lamejs (~35× real time) would make the
 * simulator, not the account limit, the bottleneck. The request's seed picks the phrase
 * sequence, so output stays deterministic per request and differs between seeds. One pool per
 * sample rate, built on first use (~0.2 s), all phrases spoken by one synthetic voice. Builds
 * yield to the event loop between phrases: the simulator may share its process with the API.
 */

/** Phrases per pool: enough that two seeds rarely pick the same sequence. */
export const PHRASES_PER_POOL = 32;

const pools = new Map<number, Promise<Int16Array[]>>();

async function buildPool(sampleRate: number): Promise<Int16Array[]> {
  const voiceSeed = hashParts(['phrase-pool-voice']);
  const phrases: Int16Array[] = [];
  for (let index = 0; index < PHRASES_PER_POOL; index++) {
    const seed = hashParts(['phrase-pool-phrase', String(index)]);
    const seconds = 0.35 + 0.9 * ((seed[0] ?? 0) / 255); // 0.35–1.25 s, like spoken phrases
    phrases.push(synthesizeVoice(seconds, sampleRate, seed, voiceSeed));
    await yieldToEventLoop();
  }
  return phrases;
}

/** The phrase pool of `sampleRate` (index order is stable across processes and runs). */
export function samplePhrases(sampleRate: number): Promise<Int16Array[]> {
  let pool = pools.get(sampleRate);
  if (!pool) {
    pool = buildPool(sampleRate); // concurrent first requests share one build
    pools.set(sampleRate, pool);
  }
  return pool;
}

/** Picks a pool index with `prng`. */
export function pickPhrase(prng: Prng): number {
  return Math.min(PHRASES_PER_POOL - 1, Math.floor(prng.next() * PHRASES_PER_POOL));
}

/** Exactly `totalSamples` samples at `sampleRate`: phrases picked by `prng`, the last one cut. */
export async function assembleSamples(
  sampleRate: number,
  totalSamples: number,
  prng: Prng,
): Promise<Int16Array> {
  const pool = await samplePhrases(sampleRate);
  const out = new Int16Array(totalSamples);
  let offset = 0;
  while (offset < totalSamples) {
    const phrase = pool[pickPhrase(prng)] ?? new Int16Array(0);
    const take = Math.min(phrase.length, totalSamples - offset);
    out.set(phrase.subarray(0, take), offset);
    offset += take;
  }
  return out;
}
