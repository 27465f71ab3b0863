import { isAbsolute, resolve } from 'node:path';

/**
 * What an `input` given as text means: an upload id (`upl_…`), a URL the worker fetches
 * (`https://…`, or `http://` where the service allows it), or else a local file path,
 * relative to the manifest's folder, which the CLI uploads first.
 */
export type InputRef =
  | { kind: 'upload'; upload_id: string }
  | { kind: 'url'; url: string }
  | { kind: 'file'; path: string };

export function classifyInput(text: string, baseDir: string): InputRef {
  if (/^upl_[0-9a-z]+$/.test(text)) return { kind: 'upload', upload_id: text };
  if (/^https?:\/\//i.test(text)) return { kind: 'url', url: text };
  return { kind: 'file', path: isAbsolute(text) ? text : resolve(baseDir, text) };
}

/** A valid-looking upload id standing in for a file not uploaded yet, while validating. */
export const PLACEHOLDER_UPLOAD_ID = `upl_${'0'.repeat(26)}`;

/** Content type of a local audio file, from its extension (the intake sniffs nothing). */
export function contentTypeOf(path: string): string {
  const extension = path.toLowerCase().split('.').pop() ?? '';
  return AUDIO_TYPES[extension] ?? 'application/octet-stream';
}

const AUDIO_TYPES: Record<string, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/ogg',
  m4a: 'audio/mp4',
  mp4: 'audio/mp4',
  aac: 'audio/aac',
  webm: 'audio/webm',
  aiff: 'audio/aiff',
  aif: 'audio/aiff',
  // Raw 16-bit PCM has no container: the intake takes it only when declared so.
  pcm: 'audio/pcm',
};
