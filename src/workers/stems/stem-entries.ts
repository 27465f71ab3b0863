import { corruptArchive, refusedArchive } from './archive-errors.ts';
import { parseEntryName } from './entry-name.ts';

/** What the plan needs of a ZIP entry (yauzl's Entry has these and more). */
export interface ArchiveEntryInfo {
  /** The name as decoded from the archive, backslashes kept. */
  fileName: string;
  uncompressedSize: number;
}

/** An entry to store, with the stem it becomes. */
export interface PlannedStem<E extends ArchiveEntryInfo = ArchiveEntryInfo> {
  entry: E;
  /** Sanitized stem name: the output is `stem.<stem>`. */
  stem: string;
  extension: string | null;
}

/** Six stems today; room for more variants, but not for an archive of thousands of entries. */
export const MAX_STEM_ENTRIES = 32;
/** Largest stem accepted: 10 minutes of 48 kHz 16-bit PCM is ~58 MB, so this is generous. */
export const MAX_STEM_BYTES = 1024 * 1024 * 1024;

/**
 * Which entries become stems, in archive order. Every name comes from the archive (never a
 * fixed list: two-stem names are unconfirmed upstream). Refuses the whole archive on any
 * unsafe name, on two entries mapping to one stem name, and on entry counts or sizes no stem
 * archive has; an archive without a single stem reads as damaged.
 */
export function planStemEntries<E extends ArchiveEntryInfo>(
  entries: readonly E[],
): PlannedStem<E>[] {
  if (entries.length > MAX_STEM_ENTRIES) {
    throw refusedArchive('archive_too_large', `stems archive has ${entries.length} entries`);
  }
  const planned: PlannedStem<E>[] = [];
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const parsed = parseEntryName(entry.fileName);
    if (parsed.kind === 'skip') continue;
    if (parsed.kind === 'unsafe') {
      const shown = JSON.stringify(entry.fileName.slice(0, 200));
      throw refusedArchive(
        'unsafe_archive_entry',
        `stems archive entry ${shown}: ${parsed.reason}`,
      );
    }
    const earlier = seen.get(parsed.stem);
    if (earlier !== undefined) {
      const message = `entries ${JSON.stringify(earlier)} and ${JSON.stringify(entry.fileName)} are both stem "${parsed.stem}"`;
      throw refusedArchive('duplicate_archive_entry', message);
    }
    if (entry.uncompressedSize > MAX_STEM_BYTES) {
      const message = `stems archive entry ${JSON.stringify(entry.fileName)} is ${entry.uncompressedSize} bytes`;
      throw refusedArchive('archive_too_large', message);
    }
    seen.set(parsed.stem, entry.fileName);
    planned.push({ entry, stem: parsed.stem, extension: parsed.extension });
  }
  if (planned.length === 0) throw corruptArchive('it holds no stems');
  return planned;
}
