import {
  describeOutputFormat,
  speechOutputFormatSchema,
  type SpeechOutputFormat,
} from '../../shared/jobs/output-formats.ts';

/** How ffmpeg writes one upstream output_format, and what the stored output is served as. */
export interface FfmpegEncoding {
  format: SpeechOutputFormat;
  sampleRate: number;
  /** Output options, placed just before the output path. */
  args: string[];
  contentType: string;
  extension: string;
}

/**
 * Maps an output_format (`codec_samplerate[_bitrate]`, the one catalog in output-formats.ts) to
 * ffmpeg output options. The mix is mono like the upstream's speech outputs; `pcm_*` is raw
 * signed 16-bit little-endian as the upstream sends it, `ulaw`/`alaw` raw G.711, `opus` in Ogg.
 * Only encoders both the @ffmpeg-installer build (4.1) and Debian's ffmpeg have are used.
 */
export function ffmpegEncoding(outputFormat: string): FfmpegEncoding {
  const format = speechOutputFormatSchema.parse(outputFormat);
  const [codec = '', rate, kbps] = format.split('_');
  const sampleRate = Number(rate);
  const common = ['-ac', '1', '-ar', String(sampleRate)];
  const { contentType, extension } = describeOutputFormat(format);
  return {
    format,
    sampleRate,
    contentType,
    extension,
    args: [...common, ...codecArgs(codec, kbps)],
  };
}

function codecArgs(codec: string, kbps: string | undefined): string[] {
  switch (codec) {
    case 'mp3':
      return ['-c:a', 'libmp3lame', '-b:a', `${kbps}k`, '-f', 'mp3'];
    case 'opus':
      return ['-c:a', 'libopus', '-b:a', `${kbps}k`, '-f', 'ogg'];
    case 'wav':
      return ['-c:a', 'pcm_s16le', '-f', 'wav'];
    case 'pcm':
      return ['-c:a', 'pcm_s16le', '-f', 's16le'];
    case 'ulaw':
      return ['-c:a', 'pcm_mulaw', '-f', 'mulaw'];
    case 'alaw':
      return ['-c:a', 'pcm_alaw', '-f', 'alaw'];
    default:
      // The schema above admits only the catalog's codecs: reaching here is a catalog change.
      throw new Error(`no ffmpeg encoding for codec ${codec}`);
  }
}

/** ffmpeg's demuxer of each raw codec: these carry no header, so ffmpeg cannot probe them. */
const RAW_DEMUXERS: Partial<Record<string, string>> = { pcm: 's16le', ulaw: 'mulaw', alaw: 'alaw' };

/**
 * Input options that let ffmpeg read a file written in `format` (an output_format of the
 * catalog): raw formats need their demuxer, rate and channel count told; containers (mp3, wav,
 * Ogg Opus) describe themselves, so they, and an unknown format, need nothing.
 */
export function ffmpegDecodingArgs(format: string | undefined): string[] {
  if (format === undefined) return [];
  const [codec = '', rate] = format.split('_');
  const demuxer = RAW_DEMUXERS[codec];
  return demuxer ? ['-f', demuxer, '-ar', String(Number(rate)), '-ac', '1'] : [];
}
