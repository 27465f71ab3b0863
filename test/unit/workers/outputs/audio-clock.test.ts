import { describe, expect, it } from 'vitest';
import { encodeMp3 } from '../../../../src/simulator/audio/encode-mp3.ts';
import { parseOutputFormat } from '../../../../src/simulator/audio/output-formats.ts';
import { renderAudio } from '../../../../src/simulator/audio/render-audio.ts';
import { createAudioClock } from '../../../../src/workers/outputs/audio-clock.ts';

const seed = new Uint8Array(32).fill(7);
// Rendering encodes audio: slow on a loaded machine.
const SLOW_TIMEOUT_MS = 60_000;

/**
 * An encoder's Info frame for a stream of `frames` audio frames shaped like `first`: the same
 * header (MPEG-1 Layer III, mono), then after the side information "Info", its flags (frame
 * count present) and the count, as LAME writes it.
 */
function infoFrame(first: Buffer, frames: number): Buffer {
  const header = first.subarray(0, 4);
  const unpadded = Buffer.from(header);
  unpadded[2] = (unpadded[2] ?? 0) & ~0x02;
  const frame = Buffer.alloc(417); // 128 kbps at 44.1 kHz, no padding
  unpadded.copy(frame, 0);
  frame.write('Info', 4 + 17, 'latin1');
  frame.writeUInt32BE(0x0001, 4 + 17 + 4);
  frame.writeUInt32BE(frames, 4 + 17 + 8);
  return frame;
}

describe('audio clocks', () => {
  it.each(['mp3_44100_128', 'mp3_24000_48', 'opus_48000_32', 'pcm_22050', 'alaw_8000'])(
    '%s: fed in odd-sized pieces, counts the rendered duration',
    async (name) => {
      const format = parseOutputFormat(name);
      if (!format) throw new Error(name);
      const rendered = await renderAudio(format, 3.2, seed);
      const clock = createAudioClock(name);
      for (let offset = 0; offset < rendered.length; offset += 777)
        clock?.push(rendered.subarray(offset, offset + 777));
      // mp3 is rendered to whole frames (≤ one frame off the asked length).
      expect(Math.abs((clock?.seconds() ?? 0) - 3.2)).toBeLessThan(0.03);
    },
    SLOW_TIMEOUT_MS,
  );

  it('has no clock for wav (it never arrives in pieces)', () => {
    expect(createAudioClock('wav_16000')).toBeNull();
  });

  it('mp3: does not count an encoder’s Info frame as audio, as decoders skip it', () => {
    const samples = new Int16Array(44_100 * 2).map((_, i) => Math.round(Math.sin(i / 9) * 8_000));
    const audio = encodeMp3(samples, 44_100, 128);
    const plain = createAudioClock('mp3_44100_128');
    plain?.push(audio);
    const frames = Math.round(((plain?.seconds() ?? 0) * 44_100) / 1152);
    const tagged = Buffer.concat([infoFrame(audio, frames), audio]);

    const clock = createAudioClock('mp3_44100_128');
    for (let offset = 0; offset < tagged.length; offset += 100)
      clock?.push(tagged.subarray(offset, offset + 100));
    expect(clock?.seconds()).toBeCloseTo((frames * 1152) / 44_100, 9);
    expect(clock?.seconds()).toBe(plain?.seconds());
  });
});
