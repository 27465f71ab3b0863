import { PassThrough, pipeline, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeMp3 } from '../../../../src/simulator/audio/encode-mp3.ts';
import { encodeWav } from '../../../../src/simulator/audio/encode-wav.ts';
import { parseOutputFormat } from '../../../../src/simulator/audio/output-formats.ts';
import { renderAudio } from '../../../../src/simulator/audio/render-audio.ts';
import { DurationTap } from '../../../../src/workers/outputs/duration-tap.ts';

const RATE = 44_100;
const tone = (seconds: number) =>
  new Int16Array(RATE * seconds).map((_, i) => Math.round(Math.sin(i / 10) * 8_000));

/** Sends `bytes` through a tap in chunks into a sink; resolves with what the sink got. */
async function through(
  tap: DurationTap,
  bytes: Buffer,
  { sinkDelayMs = 0, chunkBytes = 16 * 1024 } = {},
): Promise<Buffer> {
  const source = new PassThrough();
  const received: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      setTimeout(callback, sinkDelayMs);
    },
  });
  const done = new Promise<void>((resolve, reject) =>
    pipeline(source, tap, sink, (error) => (error ? reject(error) : resolve())),
  );
  for (let at = 0; at < bytes.length; at += chunkBytes) {
    if (!source.write(bytes.subarray(at, at + chunkBytes)))
      await new Promise((resolve) => source.once('drain', resolve));
  }
  source.end();
  await done;
  return Buffer.concat(received);
}

describe('DurationTap', () => {
  it('passes an mp3 through unchanged and times it by its frames on the way', async () => {
    const mp3 = encodeMp3(tone(3), RATE, 128);
    const tap = new DurationTap('mp3_44100_128', 'audio/mpeg');
    expect(await through(tap, mp3, { chunkBytes: 1000 })).toEqual(mp3);
    // encodeMp3 cuts to the whole frame count closest to the input: 115 frames of 1152 samples.
    expect(await tap.durationMs()).toBe(Math.round(((115 * 1152) / RATE) * 1000));
  });

  it('times an Ogg Opus output by its last granule position', async () => {
    const format = parseOutputFormat('opus_48000_64');
    if (!format) throw new Error('opus_48000_64');
    const opus = await renderAudio(format, 2.5, new Uint8Array(32).fill(3));
    const tap = new DurationTap('opus_48000_64', 'audio/ogg');
    expect(await through(tap, opus, { chunkBytes: 700 })).toEqual(opus);
    expect(await tap.durationMs()).toBe(2_500);
  });

  it('answers null for an mp3 in which no frame is found', async () => {
    const tap = new DurationTap('mp3_44100_128', 'audio/mpeg');
    await through(tap, Buffer.alloc(4096, 0x5a));
    expect(await tap.durationMs()).toBeNull();
  });

  it('parses a WAV the same way', async () => {
    const wav = encodeWav(tone(12), RATE);
    const tap = new DurationTap('wav_44100', 'audio/wav');
    expect((await through(tap, wav, { sinkDelayMs: 1 })).length).toBe(wav.length);
    expect(await tap.durationMs()).toBe(12_000);
  });

  it('lets the write run to its end when the parser stops reading (bytes it cannot parse)', async () => {
    // Not a WAV: the parser gives up after its first bytes. Each 256 KiB chunk overfills its
    // feed, so the write waits on the parser, which must not hold it once it has stopped.
    const garbage = Buffer.alloc(1024 * 1024, 0x5a);
    const tap = new DurationTap('wav_44100', 'audio/wav');
    expect((await through(tap, garbage, { chunkBytes: 256 * 1024 })).length).toBe(garbage.length);
    expect(await tap.durationMs()).toBeNull();
  });

  it('computes a raw format from its size, parsing nothing', async () => {
    const pcm = Buffer.alloc(2 * 22_050 * 2);
    const tap = new DurationTap('pcm_22050', 'audio/pcm');
    expect((await through(tap, pcm)).length).toBe(pcm.length);
    expect(await tap.durationMs()).toBe(2_000);
  });

  it('answers null, without hanging, when the write fails midway', async () => {
    const mp3 = encodeMp3(tone(3), RATE, 128);
    const tap = new DurationTap('mp3_44100_128', 'audio/mpeg');
    const source = new PassThrough();
    const failed = new Promise<unknown>((resolve) =>
      pipeline(source, tap, new Writable({ write: (_c, _e, callback) => callback() }), resolve),
    );
    source.write(mp3.subarray(0, 8 * 1024));
    source.destroy(new Error('connection reset'));
    expect(await failed).toMatchObject({ message: 'connection reset' });
    expect(await tap.durationMs()).toBeNull();
  });
});
