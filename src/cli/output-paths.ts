import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CliError, EXIT } from './cli-errors.ts';

/**
 * File extensions by content type: the ones the service stores outputs with. An output name
 * that already ends in its extension (`captions.vtt`, `stems.zip`) is kept as it is; any other
 * gets the extension (`audio` → `audio.mp3`, `stem.vocals` → `stem.vocals.mp3`, `timestamps`
 * → `timestamps.json`). An unknown type leaves the name bare.
 */
const EXTENSIONS: Record<string, string> = {
  'audio/mpeg': 'mp3',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/ogg': 'opus',
  'audio/opus': 'opus',
  'audio/basic': 'ulaw',
  'audio/x-alaw-basic': 'alaw',
  'audio/l16': 'pcm',
  'audio/pcm': 'pcm',
  'application/json': 'json',
  'text/vtt': 'vtt',
  'application/x-subrip': 'srt',
  'text/srt': 'srt',
  'application/zip': 'zip',
};

/** The file name an output is saved under (see EXTENSIONS). */
export function outputFileName(name: string, contentType: string): string {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const extension = EXTENSIONS[type];
  if (!extension || name.toLowerCase().endsWith(`.${extension}`)) return name;
  return `${name}.${extension}`;
}

/**
 * `DIR/<custom_id>/<file name>`. custom_ids may hold `/` (nested folders); the intake refuses
 * `..` and absolute ones, and this refuses anything that would still land outside DIR.
 */
export function outputPath(
  dir: string,
  customId: string,
  name: string,
  contentType: string,
): string {
  const root = resolve(dir);
  const path = resolve(join(root, customId, outputFileName(name, contentType)));
  const inside = relative(root, path);
  if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw new CliError(
      `Refusing to write outside ${root}: ${customId} / ${name}`,
      EXIT.itemsFailed,
    );
  }
  return path;
}
