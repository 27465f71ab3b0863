import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeOutputFormat,
  SPEECH_OUTPUT_FORMATS,
} from '../../../src/shared/jobs/output-formats.ts';
import { resolveFfmpeg } from '../../../src/shared/media/ffmpeg-binary.ts';
import { mixTracks, type MixInput } from '../../../src/workers/mix/mix-audio.ts';
import { MixFailedError } from '../../../src/workers/mix/mix-errors.ts';
import { encodeWav } from '../../../src/simulator/audio/encode-wav.ts';
import { decodeAudioFile, durationSeconds, rmsBetween } from '../../support/decode-audio.ts';

const dir = mkdtempSync(join(tmpdir(), 'mix-audio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const AMPLITUDE = 0.3;
/** A sine's RMS: the figure every level below is checked against. */
const TONE_RMS = AMPLITUDE / Math.SQRT2;

/** A mono WAV tone; vocals and background differ in pitch and rate, as real stems may. */
function tone(name: string, seconds: number, hz: number, sampleRate: number): string {
  const samples = new Int16Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < samples.length; i++) {
    samples[i] = Math.round(32767 * AMPLITUDE * Math.sin((2 * Math.PI * hz * i) / sampleRate));
  }
  const file = join(dir, name);
  writeFileSync(file, encodeWav(samples, sampleRate));
  return file;
}

const background = tone('background.wav', 3, 220, 44_100);
const shortVoice = tone('voice-2s.wav', 2, 880, 24_000);
const longVoice = tone('voice-4s.wav', 4, 880, 16_000);

let outputs = 0;
function mix(overrides: Partial<MixInput> = {}): MixInput & { outputPath: string } {
  return {
    vocalsPath: shortVoice,
    backgroundPath: background,
    vocalsGainDb: 0,
    backgroundGainDb: 0,
    outputFormat: 'wav_48000',
    outputPath: join(dir, `mix-${++outputs}`),
    ...overrides,
  };
}

/** Writes `from` in another form with a separate ffmpeg run, as an upstream step might send it. */
async function transcode(from: string, outputArgs: string[], to: string): Promise<void> {
  const ffmpeg = resolveFfmpeg();
  if (!ffmpeg.available) throw new Error(`these tests need ffmpeg: ${ffmpeg.reason}`);
  const args = ['-hide_banner', '-loglevel', 'error', '-i', from, '-ac', '1', ...outputArgs];
  await promisify(execFile)(ffmpeg.path, [...args, '-y', to]);
}

const decibels = (db: number) => 10 ** (db / 20);
/** Two uncorrelated tones sum in power. */
const both = (a: number, b: number) => Math.hypot(a, b);

describe('mixTracks (real ffmpeg)', () => {
  it.each([
    ['shorter (padded)', shortVoice],
    ['longer (trimmed)', longVoice],
  ])('lasts as long as the background when the voice is %s', async (_, vocalsPath) => {
    const input = mix({ vocalsPath });
    const result = await mixTracks(input);
    const decoded = await decodeAudioFile(input.outputPath, input.outputFormat);
    expect(Math.abs(durationSeconds(decoded) - 3)).toBeLessThanOrEqual(0.15);
    expect(Math.abs(result.durationSeconds - 3)).toBeLessThanOrEqual(0.15);
    expect(result).toMatchObject({ contentType: 'audio/wav' });
    expect(result.bytes).toBeGreaterThan(3 * 48_000 * 2 * 0.95);
  });

  it('sums at full level (no halving) and pads the short voice with silence', async () => {
    const input = mix();
    await mixTracks(input);
    const decoded = await decodeAudioFile(input.outputPath, input.outputFormat);
    // Voice and background together, then the background alone once the 2 s voice has ended.
    expect(rmsBetween(decoded, 0.2, 1.8)).toBeCloseTo(both(TONE_RMS, TONE_RMS), 2);
    expect(rmsBetween(decoded, 2.2, 2.9)).toBeCloseTo(TONE_RMS, 2);
  });

  it('applies each gain to its own track', async () => {
    const input = mix({ vocalsGainDb: -6, backgroundGainDb: -12 });
    await mixTracks(input);
    const decoded = await decodeAudioFile(input.outputPath, input.outputFormat);
    const backgroundAlone = rmsBetween(decoded, 2.2, 2.9);
    expect(backgroundAlone / TONE_RMS).toBeCloseTo(decibels(-12), 2);
    const vocalsAlone = Math.sqrt(rmsBetween(decoded, 0.2, 1.8) ** 2 - backgroundAlone ** 2);
    expect(vocalsAlone / TONE_RMS).toBeCloseTo(decibels(-6), 2);
  });

  it('normalizes loudness to the target when asked', async () => {
    const levels: number[] = [];
    for (const loudnessLufs of [-30, -16]) {
      // Quiet input, so both targets need a real change of level.
      const input = mix({ vocalsGainDb: -20, backgroundGainDb: -20, loudnessLufs });
      await mixTracks(input);
      const decoded = await decodeAudioFile(input.outputPath, input.outputFormat);
      expect(Math.abs(durationSeconds(decoded) - 3)).toBeLessThanOrEqual(0.15);
      levels.push(20 * Math.log10(rmsBetween(decoded, 0.5, 2.5)));
    }
    // 14 LU apart as targets; single-pass loudnorm lands within a dB or two on a 3 s clip.
    expect(levels[1]! - levels[0]!).toBeGreaterThan(11);
    expect(levels[1]! - levels[0]!).toBeLessThan(17);
  });

  it.each(SPEECH_OUTPUT_FORMATS)('encodes %s, which decodes back to the mix', async (format) => {
    const input = mix({ outputFormat: format });
    const result = await mixTracks(input);
    expect(result.contentType).toBe(describeOutputFormat(format).contentType);
    const decoded = await decodeAudioFile(input.outputPath, format);
    expect(Math.abs(durationSeconds(decoded) - 3)).toBeLessThanOrEqual(0.15);
    expect(Math.abs(result.durationSeconds - 3)).toBeLessThanOrEqual(0.15);
    // Lossy codecs at low rates keep the level within a couple of dB.
    const level = rmsBetween(decoded, 2.2, 2.9) / TONE_RMS;
    expect(level).toBeGreaterThan(decibels(-2.5));
    expect(level).toBeLessThan(decibels(2.5));
  });

  it('reads raw inputs (pcm, ulaw) when told their format', async () => {
    // The steps' answers in a raw output_format: no header, so ffmpeg must be told.
    const vocalsPath = join(dir, 'voice.ulaw');
    const backgroundPath = join(dir, 'background.pcm');
    await transcode(shortVoice, ['-ar', '8000', '-c:a', 'pcm_mulaw', '-f', 'mulaw'], vocalsPath);
    await transcode(
      background,
      ['-ar', '16000', '-c:a', 'pcm_s16le', '-f', 's16le'],
      backgroundPath,
    );
    const input = mix({
      vocalsPath,
      vocalsFormat: 'ulaw_8000',
      backgroundPath,
      backgroundFormat: 'pcm_16000',
      outputFormat: 'wav_16000',
    });
    await mixTracks(input);
    const decoded = await decodeAudioFile(input.outputPath, input.outputFormat);
    expect(Math.abs(durationSeconds(decoded) - 3)).toBeLessThanOrEqual(0.15);
    expect(rmsBetween(decoded, 2.2, 2.9) / TONE_RMS).toBeCloseTo(1, 1);
    expect(rmsBetween(decoded, 0.2, 1.8) / both(TONE_RMS, TONE_RMS)).toBeCloseTo(1, 1);
  });

  it('fails with ffmpeg’s own words when an input is not audio, leaving no output', async () => {
    const notAudio = join(dir, 'not-audio.wav');
    writeFileSync(notAudio, 'this is text, not audio\n'.repeat(20));
    const input = mix({ vocalsPath: notAudio });
    const failure = await mixTracks(input).catch((error: unknown) => error);
    expect(existsSync(input.outputPath)).toBe(false);
    expect(failure).toBeInstanceOf(MixFailedError);
    expect(failure).toMatchObject({ code: 'mix_failed', retryable: false });
    expect((failure as MixFailedError).message).toMatch(/not-audio\.wav|Invalid data/);
  });

  it('kills ffmpeg on abort and throws the abort reason', async () => {
    // A FIFO nobody writes to: ffmpeg blocks reading it until it is killed.
    const fifo = join(dir, 'vocals.fifo');
    execFileSync('mkfifo', [fifo]);
    const controller = new AbortController();
    const running = mixTracks(mix({ vocalsPath: fifo }), controller.signal);
    // Opening the FIFO for writing completes once ffmpeg has opened it for reading: it runs.
    const writer = await open(fifo, 'w');
    try {
      const reason = new Error('job canceled');
      controller.abort(reason);
      // The promise settles on the process's exit, so settling at all proves it was killed.
      await expect(running).rejects.toBe(reason);
    } finally {
      await writer.close();
    }
  });

  it('does not start ffmpeg when already aborted', async () => {
    const reason = new Error('already canceled');
    await expect(mixTracks(mix(), AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});
