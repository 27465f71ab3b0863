import { zipSync, type Zippable } from 'fflate';
import type { Codec } from '../audio/output-formats.ts';

/**
 * The stems ZIP: one entry per stem, `<name>.<codec>` (`vocals.mp3`, `vocals.pcm`, …).
 * Compressed codecs are stored, raw ones deflated, so clients meet both methods. Entry times
 * are fixed, so the same stems always give the same archive bytes.
 */

// Local midnight: ZIP stores local time, so this reads back as 2024-01-01 00:00 in any zone.
const ENTRY_TIME = new Date(2024, 0, 1);
const STORED_CODECS: ReadonlySet<Codec> = new Set(['mp3', 'opus']);

export function buildStemsArchive(
  stems: readonly { name: string; bytes: Uint8Array }[],
  codec: Codec,
): Buffer {
  const level = STORED_CODECS.has(codec) ? 0 : 6;
  const files: Zippable = {};
  for (const stem of stems) {
    files[`${stem.name}.${codec}`] = [stem.bytes, { level, mtime: ENTRY_TIME }];
  }
  return Buffer.from(zipSync(files));
}

/** How a corrupt archive is made (simulator config `stems.corruption`). */
export type ArchiveCorruption = 'truncate' | 'bit_flip';

const END_OF_CENTRAL_DIRECTORY_BYTES = 22;

/**
 * A damaged copy of `archive`, as a client could receive it with a valid Content-Length:
 * `truncate` drops the end (the central directory with it); `bit_flip` flips one byte inside
 * the last entry's data, which only its CRC-32 (or the inflater) can notice.
 */
export function corruptArchive(archive: Buffer, how: ArchiveCorruption): Buffer {
  if (how === 'truncate') return Buffer.from(archive.subarray(0, Math.floor(archive.length * 0.6)));
  const damaged = Buffer.from(archive);
  // The central directory starts right after the last entry's data (fflate writes no
  // data descriptors and no archive comment).
  const eocd = damaged.length - END_OF_CENTRAL_DIRECTORY_BYTES;
  const centralDirectory = damaged.readUInt32LE(eocd + 16);
  const target = Math.max(0, centralDirectory - 8);
  damaged[target] = (damaged[target] ?? 0) ^ 0xff;
  return damaged;
}
