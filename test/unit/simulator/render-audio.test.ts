import { parseBuffer } from 'music-metadata';
import { describe, expect, it } from 'vitest';
import { listMp3Frames } from '../../../src/simulator/audio/mp3-frames.ts';
import {
  SPEECH_TO_SPEECH_OUTPUT_FORMATS,
  parseOutputFormat,
  type OutputFormat,
} from '../../../src/simulator/audio/output-formats.ts';
import { renderAudio } from '../../../src/simulator/audio/render-audio.ts';
import { synthesizeVoice } from '../../../src/simulator/audio/synthesize.ts';
import { hashParts } from '../../../src/simulator/prng.ts';

const format = (name: string): OutputFormat => {
  const parsed = parseOutputFormat(name);
  if (!parsed) throw new Error(name);
  return parsed;
};
const seedA = hashParts(['request', 'a']);
const seedB = hashParts(['request', 'b']);

function mp3Seconds(bytes: Buffer): number {
  return listMp3Frames(bytes).reduce(
    (sum, frame) => sum + frame.samplesPerFrame / frame.sampleRate,
    0,
  );
}

describe('renderAudio', () => {
  it.each(SPEECH_TO_SPEECH_OUTPUT_FORMATS)(
    '%s: same seed same bytes, other seed other bytes',
    async (name) => {
      const first = await renderAudio(format(name), 2, seedA);
      expect((await renderAudio(format(name), 2, seedA)).equals(first)).toBe(true);
      expect((await renderAudio(format(name), 2, seedB)).equals(first)).toBe(false);
    },
  );

  it.each([
    ['pcm_16000', 2.5 * 16000 * 2],
    ['pcm_44100', 2.5 * 44100 * 2],
    ['pcm_8000', 2.5 * 8000 * 2],
    ['ulaw_8000', 2.5 * 8000],
    ['alaw_8000', 2.5 * 8000],
    ['wav_24000', 44 + 2.5 * 24000 * 2],
  ])('%s: exactly the input duration in bytes', async (name, bytes) => {
    expect((await renderAudio(format(name), 2.5, seedA)).length).toBe(bytes);
  });

  it.each(['mp3_44100_128', 'mp3_22050_32', 'mp3_24000_48', 'mp3_44100_32', 'mp3_44100_192'])(
    '%s: whole frames within half a frame of the duration, for short and long inputs',
    async (name) => {
      for (const seconds of [0.3, 2, 61.7]) {
        const mp3 = await renderAudio(format(name), seconds, seedA);
        expect(Math.abs(mp3Seconds(mp3) - seconds)).toBeLessThanOrEqual(0.0131);
      }
      const { format: decoded } = await parseBuffer(await renderAudio(format(name), 2, seedB));
      expect(Math.abs((decoded.duration ?? 0) - 2)).toBeLessThan(0.06);
    },
  );

  it('is not silence: pcm carries a voice-level signal', async () => {
    const pcm = await renderAudio(format('pcm_16000'), 2, seedA);
    const samples = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2);
    const rms = Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length);
    expect(rms).toBeGreaterThan(1000);
    expect(rms).toBeLessThan(20000);
  });

  it('builds a pool once even when the first requests arrive together', async () => {
    const outputs = await Promise.all(
      [1, 2, 3].map(() => renderAudio(format('mp3_44100_96'), 1, seedA)),
    );
    expect(outputs[1]?.equals(outputs[0] ?? Buffer.alloc(0))).toBe(true);
    expect(outputs[2]?.equals(outputs[0] ?? Buffer.alloc(0))).toBe(true);
  });
});

describe('synthesizeVoice', () => {
  it('is deterministic per seed and voice seed', () => {
    const a = synthesizeVoice(0.5, 16000, seedA);
    expect(synthesizeVoice(0.5, 16000, seedA)).toEqual(a);
    expect(synthesizeVoice(0.5, 16000, seedB)).not.toEqual(a);
    expect(synthesizeVoice(0.5, 16000, seedA, seedB)).not.toEqual(a);
    expect(a).toHaveLength(8000);
  });

  it('has its energy in the voice band: the zero-crossing rate of a 95–255 Hz fundamental', () => {
    const samples = synthesizeVoice(3, 16000, seedA);
    let crossings = 0;
    for (let i = 1; i < samples.length; i++)
      if ((samples[i - 1] ?? 0) < 0 && (samples[i] ?? 0) >= 0) crossings++;
    expect(crossings / 3).toBeGreaterThan(60); // pauses lower it below the fundamental
    expect(crossings / 3).toBeLessThan(1500); // harmonics add some, noise would add thousands
  });
});

describe('hashParts', () => {
  it('separates its parts, so moving a boundary changes the hash', () => {
    expect(hashParts(['ab', 'c'])).not.toEqual(hashParts(['a', 'bc']));
    expect(hashParts(['ab', 'c'])).toEqual(hashParts(['ab', 'c']));
  });
});
