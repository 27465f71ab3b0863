import { describe, expect, it } from 'vitest';
import { SPEECH_OUTPUT_FORMATS } from '../../../../src/shared/jobs/output-formats.ts';
import { ffmpegDecodingArgs, ffmpegEncoding } from '../../../../src/workers/mix/ffmpeg-encoding.ts';

describe('output_format → ffmpeg output options', () => {
  it.each([
    [
      'mp3_44100_128',
      ['-ac', '1', '-ar', '44100', '-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3'],
      'audio/mpeg',
    ],
    [
      'mp3_22050_32',
      ['-ac', '1', '-ar', '22050', '-c:a', 'libmp3lame', '-b:a', '32k', '-f', 'mp3'],
      'audio/mpeg',
    ],
    [
      'opus_48000_64',
      ['-ac', '1', '-ar', '48000', '-c:a', 'libopus', '-b:a', '64k', '-f', 'ogg'],
      'audio/ogg',
    ],
    ['wav_44100', ['-ac', '1', '-ar', '44100', '-c:a', 'pcm_s16le', '-f', 'wav'], 'audio/wav'],
    ['pcm_16000', ['-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', '-f', 's16le'], 'audio/L16'],
    ['ulaw_8000', ['-ac', '1', '-ar', '8000', '-c:a', 'pcm_mulaw', '-f', 'mulaw'], 'audio/basic'],
    [
      'alaw_8000',
      ['-ac', '1', '-ar', '8000', '-c:a', 'pcm_alaw', '-f', 'alaw'],
      'audio/x-alaw-basic',
    ],
  ])('%s', (format, args, contentType) => {
    const encoding = ffmpegEncoding(format);
    expect(encoding.args).toEqual(args);
    expect(encoding.contentType).toBe(contentType);
    expect(encoding.sampleRate).toBe(Number(format.split('_')[1]));
  });

  it('maps every format of the catalog', () => {
    for (const format of SPEECH_OUTPUT_FORMATS) {
      expect(ffmpegEncoding(format).args).toContain('-c:a');
    }
  });

  it('refuses a format the catalog does not list', () => {
    expect(() => ffmpegEncoding('mp3_1')).toThrow();
    expect(() => ffmpegEncoding('flac_44100')).toThrow();
  });
});

describe('output_format → ffmpeg input options', () => {
  it.each([
    ['pcm_22050', ['-f', 's16le', '-ar', '22050', '-ac', '1']],
    ['ulaw_8000', ['-f', 'mulaw', '-ar', '8000', '-ac', '1']],
    ['alaw_8000', ['-f', 'alaw', '-ar', '8000', '-ac', '1']],
    ['mp3_44100_128', []],
    ['wav_16000', []],
    ['opus_48000_64', []],
    [undefined, []],
  ])('%s', (format, args) => {
    expect(ffmpegDecodingArgs(format)).toEqual(args);
  });
});
