import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { resolveFfmpeg } from '../../src/shared/media/ffmpeg-binary.ts';
import { rawSampleRate } from '../../src/shared/jobs/output-formats.ts';
import { decodePcmWav, type DecodedAudio } from '../../src/simulator/audio/decode-wav.ts';

const run = promisify(execFile);

/** ffmpeg's demuxer name of a raw output format, which carries no header to probe. */
const RAW_DEMUXERS: Record<string, string> = { pcm: 's16le', ulaw: 'mulaw', alaw: 'alaw' };

/**
 * Decodes an audio file written in an upstream output_format back to mono samples, with ffmpeg
 * as an independent decoder (a separate run from the one under test, to a 16-bit WAV the
 * simulator's reader parses). Raw formats are told their demuxer and rate.
 */
export async function decodeAudioFile(file: string, outputFormat: string): Promise<DecodedAudio> {
  const ffmpeg = resolveFfmpeg();
  if (!ffmpeg.available) throw new Error(`no ffmpeg to decode with: ${ffmpeg.reason}`);
  const rate = rawSampleRate(outputFormat);
  const demuxer = RAW_DEMUXERS[outputFormat.split('_')[0] ?? ''];
  const rawInput = rate !== null && demuxer ? ['-f', demuxer, '-ar', String(rate), '-ac', '1'] : [];
  const wav = `${file}.decoded.wav`;
  await run(ffmpeg.path, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    ...rawInput,
    '-i',
    file,
    '-ac',
    '1',
    '-c:a',
    'pcm_s16le',
    '-f',
    'wav',
    '-y',
    wav,
  ]);
  const decoded = decodePcmWav(await readFile(wav));
  if (!decoded) throw new Error(`${wav} does not read as a 16-bit PCM WAV`);
  return decoded;
}

/** Root mean square of the samples between `fromSeconds` and `toSeconds`. */
export function rmsBetween(audio: DecodedAudio, fromSeconds: number, toSeconds: number): number {
  const from = Math.round(fromSeconds * audio.sampleRate);
  const to = Math.min(audio.samples.length, Math.round(toSeconds * audio.sampleRate));
  let sum = 0;
  for (let i = from; i < to; i++) sum += audio.samples[i]! ** 2;
  return Math.sqrt(sum / Math.max(1, to - from));
}

export function durationSeconds(audio: DecodedAudio): number {
  return audio.samples.length / audio.sampleRate;
}
