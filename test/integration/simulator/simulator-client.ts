import { encodeWav } from '../../../src/simulator/audio/encode-wav.ts';

/** A mono 16-bit WAV of `seconds` of a 220 Hz tone: a real, decodable input file. */
export function toneWav(seconds: number, sampleRate = 16000): Buffer {
  const samples = new Int16Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < samples.length; i++)
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / sampleRate));
  return encodeWav(samples, sampleRate);
}

/** What a speech-to-speech call sends. */
export interface StsCall {
  voiceId?: string;
  stream?: boolean;
  query?: Record<string, string>;
  fields?: Record<string, string>;
  /** The `audio` file part; null sends none. Default: 2 s of tone as WAV. */
  audio?: Buffer | null;
  apiKey?: string | null;
  signal?: AbortSignal;
}

/** POSTs a multipart speech-to-speech request with plain fetch (undici). */
export function postSpeechToSpeech(baseUrl: string, call: StsCall = {}): Promise<Response> {
  const form = new FormData();
  const audio = call.audio === undefined ? toneWav(2) : call.audio;
  if (audio) form.append('audio', new Blob([audio], { type: 'audio/wav' }), 'input.wav');
  for (const [name, value] of Object.entries(call.fields ?? {})) form.append(name, value);
  const path = `/v1/speech-to-speech/${call.voiceId ?? 'voice123'}${call.stream ? '/stream' : ''}`;
  const url = new URL(path, baseUrl);
  for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.set(name, value);
  const headers: Record<string, string> = {};
  const apiKey = call.apiKey === undefined ? 'test-key' : call.apiKey;
  if (apiKey !== null) headers['xi-api-key'] = apiKey;
  return fetch(url, { method: 'POST', body: form, headers, signal: call.signal });
}
