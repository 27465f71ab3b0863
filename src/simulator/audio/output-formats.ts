/**
 * Output formats are named `codec_samplerate[_bitrate]` upstream (e.g. `mp3_44100_128`,
 * `pcm_16000`). This module parses any such name; which names an endpoint accepts is its own enum.
 */

/** The codecs the upstream can return. */
export type Codec = 'mp3' | 'pcm' | 'wav' | 'ulaw' | 'alaw' | 'opus';

/** A parsed output format. */
export interface OutputFormat {
  /** The upstream name, e.g. `mp3_44100_128`. */
  name: string;
  codec: Codec;
  /** Samples per second of the encoded audio. */
  sampleRate: number;
  /** kbit/s for mp3 and opus; null for uncompressed codecs. */
  bitrateKbps: number | null;
  /** The Content-Type the simulator answers with (see {@link contentTypeFor}). */
  contentType: string;
}

/** `output_format` values of `POST /v1/speech-to-speech/{voice_id}`, in the OpenAPI page's order. */
export const SPEECH_TO_SPEECH_OUTPUT_FORMATS = [
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

/**
 * The /stream variant accepts no `wav_*` (the SDK's SpeechToSpeechStreamRequestOutputFormat and
 * upstream.md agree: WAV is for non-stream endpoints only, since its header needs the length).
 */
export const SPEECH_TO_SPEECH_STREAM_OUTPUT_FORMATS = SPEECH_TO_SPEECH_OUTPUT_FORMATS.filter(
  (name) => !name.startsWith('wav_'),
);

/** The upstream default when `output_format` is absent. */
export const DEFAULT_OUTPUT_FORMAT = 'mp3_44100_128';

const FORMAT_PATTERN = /^(mp3|pcm|wav|ulaw|alaw|opus)_(\d{4,5})(?:_(\d{2,3}))?$/;
const CODECS_WITH_BITRATE: ReadonlySet<Codec> = new Set(['mp3', 'opus']);

/**
 * Parses `codec_samplerate[_bitrate]`. Returns null when the name does not fit the pattern, or a
 * bitrate is missing (mp3, opus) or present where none belongs (pcm, wav, ulaw, alaw).
 */
export function parseOutputFormat(name: string): OutputFormat | null {
  const match = FORMAT_PATTERN.exec(name);
  if (!match) return null;
  const codec = match[1] as Codec;
  const sampleRate = Number(match[2]);
  const bitrate = match[3] === undefined ? null : Number(match[3]);
  if (CODECS_WITH_BITRATE.has(codec) !== (bitrate !== null)) return null;
  return { name, codec, sampleRate, bitrateKbps: bitrate, contentType: contentTypeFor(codec) };
}

/**
 * Content-Type per codec. The OpenAPI page only says `application/octet-stream`; the real API is
 * reported to send `audio/mpeg` for mp3 and `audio/pcm` for pcm. The others are our best guess
 * at what it sends (the registered or customary media type); clients should key on the requested
 * format, never on this header.
 */
export function contentTypeFor(codec: Codec): string {
  switch (codec) {
    case 'mp3':
      return 'audio/mpeg';
    case 'pcm':
      return 'audio/pcm';
    case 'wav':
      return 'audio/wav';
    case 'ulaw':
      return 'audio/basic';
    case 'alaw':
      return 'audio/alaw';
    case 'opus':
      return 'audio/ogg';
  }
}
