import { parseBuffer } from 'music-metadata';
import { describe, expect, it } from 'vitest';
import { encodeMp3 } from '../../../src/simulator/audio/encode-mp3.ts';
import {
  keepMp3Frames,
  listMp3Frames,
  readMp3FrameHeader,
} from '../../../src/simulator/audio/mp3-frames.ts';
import { synthesizeVoice } from '../../../src/simulator/audio/synthesize.ts';

const seed = new Uint8Array(32).fill(7);

describe('encodeMp3', () => {
  // LAME resamples 44.1 kHz at 32 kbps to 22.05 kHz and lamejs offers no way to force the
  // output rate: mp3_44100_32 is the one format whose rate differs from its name.
  it.each([
    [44100, 128, 2, 44100],
    [44100, 192, 1.3, 44100],
    [44100, 64, 0.7, 44100],
    [44100, 32, 0.5, 22050],
    [22050, 32, 2, 22050],
    [24000, 48, 3.7, 24000],
  ])(
    '%i Hz at %i kbps, %f s: decodes to that duration ±15 ms, every frame CBR',
    async (rate, kbps, seconds, outRate) => {
      const mp3 = encodeMp3(synthesizeVoice(seconds, rate, seed), rate, kbps);
      const frames = listMp3Frames(mp3);
      expect(frames.reduce((sum, frame) => sum + frame.bytes, 0)).toBe(mp3.length); // nothing but frames
      expect(new Set(frames.map((frame) => `${frame.sampleRate}/${frame.bitrateKbps}`))).toEqual(
        new Set([`${outRate}/${kbps}`]),
      );
      const { format } = await parseBuffer(mp3, undefined, { duration: true });
      expect(format.codec).toBe(outRate >= 32000 ? 'MPEG 1 Layer 3' : 'MPEG 2 Layer 3');
      expect(format.sampleRate).toBe(outRate);
      expect(format.numberOfChannels).toBe(1);
      expect(format.bitrate).toBe(kbps * 1000);
      expect(Math.abs((format.duration ?? 0) - seconds)).toBeLessThan(0.015);
    },
  );

  it('cuts the encoder delay and padding: an untrimmed encode would run two frames long', () => {
    const samples = synthesizeVoice(2, 44100, seed);
    const frames = listMp3Frames(encodeMp3(samples, 44100, 128));
    expect(frames).toHaveLength(Math.round((2 * 44100) / 1152));
  });
});

describe('mp3 frame walking', () => {
  const mp3 = encodeMp3(synthesizeVoice(1, 44100, seed), 44100, 128);

  it('reads a Layer III header and refuses what is not one', () => {
    expect(readMp3FrameHeader(mp3, 0)).toMatchObject({
      sampleRate: 44100,
      bitrateKbps: 128,
      samplesPerFrame: 1152,
    });
    expect(readMp3FrameHeader(Buffer.from('RIFF....'), 0)).toBeNull();
    expect(readMp3FrameHeader(mp3, 1)).toBeNull();
    expect(readMp3FrameHeader(mp3, mp3.length - 2)).toBeNull();
  });

  it('keeps whole frames only', () => {
    const kept = keepMp3Frames(mp3, 5);
    expect(listMp3Frames(kept)).toHaveLength(5);
    expect(kept.length).toBe(
      listMp3Frames(mp3)
        .slice(0, 5)
        .reduce((sum, frame) => sum + frame.bytes, 0),
    );
    expect(keepMp3Frames(mp3, 10_000).length).toBe(mp3.length);
  });
});
