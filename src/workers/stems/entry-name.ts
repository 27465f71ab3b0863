/**
 * ZIP entry names come from the upstream and are untrusted: they become output names and
 * storage keys. This decides, per name, whether the entry is a stem (and which), an entry to
 * skip (folders, hidden files), or a refusal (path tricks).
 */

export type EntryName =
  | { kind: 'stem'; stem: string; extension: string | null }
  | { kind: 'skip' }
  | { kind: 'unsafe'; reason: string };

/** Longest stem name kept; the output name is `stem.<name>`. */
export const MAX_STEM_NAME_LENGTH = 64;

// Control characters (C0, DEL, C1): never part of a file name we would store.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function unsafeReason(name: string): string | null {
  if (name === '') return 'empty name';
  if (name.includes('\\')) return 'backslash in name';
  if (CONTROL.test(name)) return 'control character in name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.split('/').some((segment) => segment === '..')) return '".." segment';
  return null;
}

/**
 * Classifies one entry name. A stem's name is the file's base name without its extension,
 * lowercased and stripped of accents, anything but letters, digits, `-` and `_` turned into `_`
 * (so `stems/Lead Vocals.mp3` is stem `lead_vocals`, extension `mp3`). Names in folders are
 * taken by base name: the caller refuses two entries that map to the same stem.
 */
export function parseEntryName(name: string): EntryName {
  const reason = unsafeReason(name);
  if (reason !== null) return { kind: 'unsafe', reason };
  if (name.endsWith('/') || name.startsWith('__MACOSX/')) return { kind: 'skip' };
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (base.startsWith('.')) return { kind: 'skip' }; // .DS_Store and the like
  const dot = base.lastIndexOf('.');
  const stemPart = dot === -1 ? base : base.slice(0, dot);
  const extensionPart = dot === -1 ? '' : base.slice(dot + 1).toLowerCase();
  const stem = stemPart
    .normalize('NFKD') // "ü" → "u" + a combining mark, dropped next
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '');
  if (stem === '') return { kind: 'unsafe', reason: 'no usable characters in name' };
  if (stem.length > MAX_STEM_NAME_LENGTH) return { kind: 'unsafe', reason: 'name too long' };
  const extension = /^[a-z0-9]{1,8}$/.test(extensionPart) ? extensionPart : null;
  return { kind: 'stem', stem, extension };
}
