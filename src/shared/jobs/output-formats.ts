import { z } from 'zod';

/**
 * Output formats, `codec_samplerate[_bitrate]`, as the upstream's OpenAPI lists them for
 * speech-to-speech. Stream endpoints have no `wav_*` (upstream.md).
 */
export const SPEECH_OUTPUT_FORMATS = [
  'alaw_8000',
  'mp3_22050_32',
  'mp3_24000_48',
  'mp3_44100_128',
  'mp3_44100_192',
  'mp3_44100_32',
  'mp3_44100_64',
  'mp3_44100_96',
  'opus_48000_128',
  'opus_48000_192',
  'opus_48000_32',
  'opus_48000_64',
  'opus_48000_96',
  'pcm_16000',
  'pcm_22050',
  'pcm_24000',
  'pcm_32000',
  'pcm_44100',
  'pcm_48000',
  'pcm_8000',
  'ulaw_8000',
  'wav_16000',
  'wav_22050',
  'wav_24000',
  'wav_32000',
  'wav_44100',
  'wav_48000',
  'wav_8000',
] as const;

export const speechOutputFormatSchema = z.enum(SPEECH_OUTPUT_FORMATS);
export type SpeechOutputFormat = z.infer<typeof speechOutputFormatSchema>;

export const DEFAULT_OUTPUT_FORMAT = 'mp3_44100_128';

export function isWavFormat(format: string): boolean {
  return format.startsWith('wav_');
}

/** Content type and file extension an output in this format is stored and served with. */
export function describeOutputFormat(format: string): { contentType: string; extension: string } {
  const codec = format.split('_')[0] ?? '';
  switch (codec) {
    case 'mp3':
      return { contentType: 'audio/mpeg', extension: 'mp3' };
    case 'wav':
      return { contentType: 'audio/wav', extension: 'wav' };
    case 'opus':
      return { contentType: 'audio/ogg', extension: 'opus' };
    case 'ulaw':
      return { contentType: 'audio/basic', extension: 'ulaw' };
    case 'alaw':
      return { contentType: 'audio/x-alaw-basic', extension: 'alaw' };
    case 'pcm':
      return { contentType: 'audio/L16', extension: 'pcm' };
    default:
      return { contentType: 'application/octet-stream', extension: 'bin' };
  }
}

/** Sample rate of a raw format (pcm, ulaw, alaw), or null for containers that carry their own. */
export function rawSampleRate(format: string): number | null {
  const [codec, rate] = format.split('_');
  if (codec !== 'pcm' && codec !== 'ulaw' && codec !== 'alaw') return null;
  return Number(rate);
}
