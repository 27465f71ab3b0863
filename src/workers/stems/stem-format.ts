import { describeOutputFormat } from '../../shared/jobs/output-formats.ts';

/** How a stem entry is stored: its content type, key extension, and how to probe its length. */
export interface StemFormat {
  contentType: string;
  extension: string;
  /** Format name for the duration probe; null when the length cannot be known (raw, unknown rate). */
  probeFormat: string | null;
}

/** Self-describing containers an archive might hold whatever format was asked for. */
const CONTAINERS: Readonly<Record<string, string>> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  opus: 'audio/ogg',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
  m4a: 'audio/mp4',
};

/**
 * The storage format of an entry, from its extension. The upstream says every stem is in the
 * requested format; an entry whose extension matches (or that has none we know) is taken to be
 * so. A known container of another kind is stored as what it is. Raw audio of an unexpected
 * kind keeps its extension, but its length is unknown (no sample rate).
 */
export function describeStemEntry(extension: string | null, requestedFormat: string): StemFormat {
  const requested = describeOutputFormat(requestedFormat);
  if (extension === null || extension === requested.extension) {
    return { ...requested, probeFormat: requestedFormat };
  }
  const container = CONTAINERS[extension];
  if (container !== undefined) {
    return { contentType: container, extension, probeFormat: extension };
  }
  const raw = describeOutputFormat(extension);
  if (raw.extension === extension) return { ...raw, probeFormat: null };
  return { ...requested, probeFormat: requestedFormat };
}
