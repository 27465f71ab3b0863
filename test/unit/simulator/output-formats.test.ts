import { describe, expect, it } from 'vitest';
import {
  SPEECH_TO_SPEECH_OUTPUT_FORMATS,
  SPEECH_TO_SPEECH_STREAM_OUTPUT_FORMATS,
  parseOutputFormat,
} from '../../../src/simulator/audio/output-formats.ts';

describe('parseOutputFormat', () => {
  it.each([
    [
      'mp3_44100_128',
      { codec: 'mp3', sampleRate: 44100, bitrateKbps: 128, contentType: 'audio/mpeg' },
    ],
    [
      'mp3_22050_32',
      { codec: 'mp3', sampleRate: 22050, bitrateKbps: 32, contentType: 'audio/mpeg' },
    ],
    ['pcm_16000', { codec: 'pcm', sampleRate: 16000, bitrateKbps: null, contentType: 'audio/pcm' }],
    ['wav_48000', { codec: 'wav', sampleRate: 48000, bitrateKbps: null, contentType: 'audio/wav' }],
    [
      'ulaw_8000',
      { codec: 'ulaw', sampleRate: 8000, bitrateKbps: null, contentType: 'audio/basic' },
    ],
    [
      'alaw_8000',
      { codec: 'alaw', sampleRate: 8000, bitrateKbps: null, contentType: 'audio/alaw' },
    ],
    [
      'opus_48000_96',
      { codec: 'opus', sampleRate: 48000, bitrateKbps: 96, contentType: 'audio/ogg' },
    ],
  ])('parses %s', (name, expected) => {
    expect(parseOutputFormat(name)).toEqual({ name, ...expected });
  });

  it.each([
    'mp3_44100',
    'pcm_16000_128',
    'flac_44100',
    'mp3_44100_128_x',
    'MP3_44100_128',
    '',
    'pcm_',
  ])('refuses %j', (name) => {
    expect(parseOutputFormat(name)).toBeNull();
  });

  it('parses every speech-to-speech format, 28 in all, and the stream variant drops only wav', () => {
    expect(SPEECH_TO_SPEECH_OUTPUT_FORMATS).toHaveLength(28);
    expect(new Set(SPEECH_TO_SPEECH_OUTPUT_FORMATS).size).toBe(28);
    for (const name of SPEECH_TO_SPEECH_OUTPUT_FORMATS)
      expect(parseOutputFormat(name)?.name).toBe(name);
    expect(SPEECH_TO_SPEECH_STREAM_OUTPUT_FORMATS).toHaveLength(21);
    expect(SPEECH_TO_SPEECH_STREAM_OUTPUT_FORMATS.some((name) => name.startsWith('wav_'))).toBe(
      false,
    );
  });
});
