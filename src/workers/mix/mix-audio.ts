import { rm, stat } from 'node:fs/promises';
import { resolveFfmpeg } from '../../shared/media/ffmpeg-binary.ts';
import { ToolUnavailableError } from '../../shared/media/tool-unavailable.ts';
import { ffmpegDecodingArgs, ffmpegEncoding } from './ffmpeg-encoding.ts';
import { mixFilterGraph } from './mix-filter.ts';
import { runFfmpeg } from './run-ffmpeg.ts';

/** One mix: two local audio files in any format ffmpeg decodes, one local output file. */
export interface MixInput {
  vocalsPath: string;
  backgroundPath: string;
  /**
   * The output_format each track was written in, when known. Needed only for raw formats
   * (`pcm_*`, `ulaw_8000`, `alaw_8000`), which carry no header; containers are probed.
   */
  vocalsFormat?: string;
  backgroundFormat?: string;
  /** Gain on the vocals, dB (0 keeps them as they are). */
  vocalsGainDb: number;
  /** Gain on the background, dB. */
  backgroundGainDb: number;
  /** Integrated loudness target in LUFS (EBU R128 `loudnorm`); absent leaves levels alone. */
  loudnessLufs?: number;
  /** An upstream output_format from the catalog, e.g. `mp3_44100_128`, `pcm_16000`, `wav_44100`. */
  outputFormat: string;
  outputPath: string;
}

export interface MixResult {
  /** Duration of the written mix in seconds: the background's. */
  durationSeconds: number;
  contentType: string;
  bytes: number;
}

/**
 * Mixes converted vocals back over the separated background with ffmpeg: decode both, align the
 * vocals to the background's length, apply gains, sum, optionally normalize loudness, encode
 * in `outputFormat`. Samples past full scale after the gains clip; `loudnessLufs` (true peak
 * held at -1.5 dBTP) avoids that. Throws ToolUnavailableError without ffmpeg, MixFailedError
 * when ffmpeg fails (no output file is left), and the signal's reason when aborted (the ffmpeg
 * process is killed).
 */
export async function mixTracks(input: MixInput, signal?: AbortSignal): Promise<MixResult> {
  const ffmpeg = resolveFfmpeg();
  if (!ffmpeg.available) throw new ToolUnavailableError('ffmpeg', ffmpeg.reason, 'mix');
  const encoding = ffmpegEncoding(input.outputFormat);
  const graph = mixFilterGraph({
    vocalsGainDb: input.vocalsGainDb,
    backgroundGainDb: input.backgroundGainDb,
    loudnessLufs: input.loudnessLufs,
    outputSampleRate: encoding.sampleRate,
  });
  const args = [
    ...ffmpegDecodingArgs(input.vocalsFormat),
    '-i',
    input.vocalsPath,
    ...ffmpegDecodingArgs(input.backgroundFormat),
    '-i',
    input.backgroundPath,
    '-filter_complex',
    graph,
    '-map',
    '[mix]',
    // Tags (encoder name, version) would make identical mixes differ across ffmpeg builds.
    '-map_metadata',
    '-1',
    '-fflags',
    '+bitexact',
    ...encoding.args,
    '-y',
    input.outputPath,
  ];
  const run = await runFfmpeg(ffmpeg.path, args, signal).catch(async (error: unknown) => {
    // All or nothing: a half-written mix must not be taken for one.
    await rm(input.outputPath, { force: true });
    throw error;
  });
  const { size } = await stat(input.outputPath);
  return {
    durationSeconds: run.outTimeSeconds ?? 0,
    contentType: encoding.contentType,
    bytes: size,
  };
}
