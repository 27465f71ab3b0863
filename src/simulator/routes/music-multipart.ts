import { createHash } from 'node:crypto';
import type { OutputFormat } from '../audio/output-formats.ts';
import type { Song } from './music-song.ts';

const CRLF = '\r\n';

/**
 * The `/v1/music/detailed` body, as upstream.md describes it: the boundary line first, a JSON
 * part (its only header `Content-Type: application/json`, the JSON on one line: the official
 * JS SDK reads the line two below that header), then the audio part with its filename, then
 * `\r\n--boundary--` and nothing after. The boundary is derived from the audio and checked not
 * to occur in it, as MIME requires.
 */
export function detailedPayload(
  song: Song,
  format: OutputFormat,
): { body: Buffer; contentType: string } {
  const json = JSON.stringify({
    composition_plan: song.plan,
    song_metadata: song.metadata,
    words_timestamps: song.words,
  });
  const boundary = boundaryFor(song.audio, json);
  const head = [
    `--${boundary}`,
    'Content-Type: application/json',
    '',
    json,
    `--${boundary}`,
    `Content-Type: ${format.contentType}`,
    `Content-Disposition: attachment; filename="${fileName(song, format)}"`,
    '',
    '',
  ].join(CRLF);
  const body = Buffer.concat([
    Buffer.from(head, 'utf8'),
    song.audio,
    Buffer.from(`${CRLF}--${boundary}--`, 'latin1'),
  ]);
  return { body, contentType: `multipart/mixed; boundary=${boundary}` };
}

function boundaryFor(audio: Buffer, json: string): string {
  for (let attempt = 0; ; attempt++) {
    const hash = createHash('sha256').update(audio).update(String(attempt)).digest('hex');
    const boundary = hash.slice(0, 32);
    if (!audio.includes(`--${boundary}`, 0, 'latin1') && !json.includes(boundary)) return boundary;
  }
}

/** `<title>.<ext>`: a filesystem-safe slug of the song's title. */
function fileName(song: Song, format: OutputFormat): string {
  const slug = song.metadata.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
  return `${slug || 'song'}.${format.codec}`;
}
