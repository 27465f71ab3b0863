import { parseBuffer } from 'music-metadata';
import { describe, expect, it } from 'vitest';
import { encodePcm16le } from '../../../src/simulator/audio/encode-pcm.ts';
import { WAV_HEADER_BYTES, encodeWav } from '../../../src/simulator/audio/encode-wav.ts';

describe('encodeWav', () => {
  const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);

  it('writes a canonical PCM 16-bit mono RIFF/WAVE header', () => {
    const wav = encodeWav(samples, 22050);
    expect(wav.length).toBe(WAV_HEADER_BYTES + samples.length * 2);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(wav.readUInt32LE(16)).toBe(16);
    expect(wav.readUInt16LE(20)).toBe(1); // PCM
    expect(wav.readUInt16LE(22)).toBe(1); // mono
    expect(wav.readUInt32LE(24)).toBe(22050);
    expect(wav.readUInt32LE(28)).toBe(44100); // bytes per second
    expect(wav.readUInt16LE(32)).toBe(2); // block align
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.toString('ascii', 36, 40)).toBe('data');
    expect(wav.readUInt32LE(40)).toBe(samples.length * 2);
  });

  it('stores the samples little-endian after the header, as raw pcm does', () => {
    const wav = encodeWav(samples, 8000);
    expect(wav.subarray(WAV_HEADER_BYTES)).toEqual(encodePcm16le(samples));
    expect(encodePcm16le(samples).subarray(0, 12)).toEqual(
      Buffer.from([0x00, 0x00, 0x01, 0x00, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x80, 0xd2, 0x04]),
    );
  });

  it('decodes with music-metadata to the exact duration and rate', async () => {
    const wav = encodeWav(new Int16Array(48000 * 3), 48000);
    const { format } = await parseBuffer(wav);
    expect(format.container).toBe('WAVE');
    expect(format.sampleRate).toBe(48000);
    expect(format.bitsPerSample).toBe(16);
    expect(format.numberOfChannels).toBe(1);
    expect(format.duration).toBeCloseTo(3, 6);
  });
});
