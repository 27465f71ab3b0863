import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Prng } from '../prng.ts';
import { encodeMp3 } from './encode-mp3.ts';
import { listMp3Frames, readMp3FrameHeader } from './mp3-frames.ts';
import type { OutputFormat } from './output-formats.ts';
import { pickPhrase, samplePhrases } from './phrase-pool.ts';

/**
 * The phrase pool (see phrase-pool.ts) encoded once per mp3 format. lamejs frames borrow
 * nothing from earlier frames (no bit reservoir), so phrases splice cleanly at frame
 * boundaries. Built on first use of a format (~1 s at 44.1 kHz/128 kbps).
 */

const pools = new Map<string, Promise<Uint8Array[][]>>();

async function buildPool(format: OutputFormat): Promise<Uint8Array[][]> {
  const phrases: Uint8Array[][] = [];
  for (const samples of await samplePhrases(format.sampleRate)) {
    const bytes = encodeMp3(samples, format.sampleRate, format.bitrateKbps ?? 128);
    let offset = 0;
    phrases.push(
      listMp3Frames(bytes).map((frame) => {
        offset += frame.bytes;
        return bytes.subarray(offset - frame.bytes, offset);
      }),
    );
    await yieldToEventLoop(); // ~30 ms per phrase: let other requests run in between
  }
  return phrases;
}

function encodedPhrases(format: OutputFormat): Promise<Uint8Array[][]> {
  let pool = pools.get(format.name);
  if (!pool) {
    pool = buildPool(format);
    pools.set(format.name, pool);
  }
  return pool;
}

/**
 * `durationSeconds` of `format` to the nearest whole frame (at least one), phrases picked by
 * `prng`. Frame length comes from the encoded frames, which may differ from the format's
 * nominal rate (see encode-mp3.ts).
 */
export async function assembleMp3(
  format: OutputFormat,
  durationSeconds: number,
  prng: Prng,
): Promise<Buffer> {
  const pool = await encodedPhrases(format);
  const first = pool[0]?.[0];
  const header = first ? readMp3FrameHeader(first, 0) : null;
  if (!header) throw new Error(`lamejs produced no frames for ${format.name}`);
  const target = Math.max(
    1,
    Math.round((durationSeconds * header.sampleRate) / header.samplesPerFrame),
  );
  const chosen: Uint8Array[] = [];
  while (chosen.length < target) {
    const frames = pool[pickPhrase(prng)] ?? [];
    chosen.push(...frames.slice(0, target - chosen.length));
  }
  return Buffer.concat(chosen);
}
