import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeSilentOggOpus } from '../../../src/simulator/audio/encode-ogg-opus.ts';
import { encodeWav } from '../../../src/simulator/audio/encode-wav.ts';
import { measureInputDuration } from '../../../src/simulator/audio/input-duration.ts';
import { parseOutputFormat } from '../../../src/simulator/audio/output-formats.ts';
import { renderAudio } from '../../../src/simulator/audio/render-audio.ts';

describe('measureInputDuration', () => {
  it('measures wav, mp3 and ogg by their content, whatever they are called', async () => {
    expect(
      await measureInputDuration(encodeWav(new Int16Array(16000 * 3), 16000), 'other'),
    ).toBeCloseTo(3, 6);
    const mp3Format = parseOutputFormat('mp3_44100_128');
    if (!mp3Format) throw new Error('mp3_44100_128 must parse');
    const mp3 = await renderAudio(mp3Format, 4, new Uint8Array(32));
    expect(Math.abs(((await measureInputDuration(mp3, 'other')) ?? 0) - 4)).toBeLessThan(0.03);
    expect(
      await measureInputDuration(encodeSilentOggOpus(1.5, new Uint8Array(32)), 'other'),
    ).toBeCloseTo(1.5, 6);
  });

  it('takes pcm_s16le_16 as 32,000 bytes per second', async () => {
    expect(await measureInputDuration(new Uint8Array(48000), 'pcm_s16le_16')).toBe(1.5);
  });

  it('returns null for what does not decode, and for nothing at all', async () => {
    expect(await measureInputDuration(randomBytes(4096), 'other')).toBeNull();
    expect(await measureInputDuration(Buffer.from('hello, this is text'), 'other')).toBeNull();
    expect(await measureInputDuration(new Uint8Array(0), 'other')).toBeNull();
    expect(await measureInputDuration(new Uint8Array(0), 'pcm_s16le_16')).toBeNull();
  });
});
