import { pipeline } from 'node:stream';
import type { StoredOutput } from '../../shared/jobs/job-record.ts';
import { DurationTap } from '../outputs/duration-tap.ts';
import { outputKey, putOutput, type OutputTarget } from '../outputs/write-output.ts';
import type { PlannedStem } from './stem-entries.ts';
import { describeStemEntry } from './stem-format.ts';
import { openEntry, openStemsArchive } from './stems-archive.ts';
import type { Entry, ZipFile } from 'yauzl';

/**
 * Stores every stem of the stored `stems.zip` as its own output `stem.<name>`, names and count
 * from the archive. The archive is verified whole first (see stems-archive.ts); if storing a
 * stem then fails, the stems already stored are deleted, so an attempt leaves all or none.
 */
export async function extractStems(
  target: OutputTarget,
  archive: { key: string; sha256: string },
  outputFormat: string,
): Promise<StoredOutput[]> {
  const opened = await openStemsArchive(target.storage, archive, target.signal);
  const written: StoredOutput[] = [];
  try {
    for (const stem of opened.stems) {
      written.push(await storeStem(target, opened.zip, stem, outputFormat));
    }
    return written;
  } catch (error) {
    await Promise.all(written.map((output) => target.storage.delete(output.key).catch(() => {})));
    throw error;
  } finally {
    await opened.close();
  }
}

async function storeStem(
  target: OutputTarget,
  zip: ZipFile,
  stem: PlannedStem<Entry>,
  outputFormat: string,
): Promise<StoredOutput> {
  const format = describeStemEntry(stem.extension, outputFormat);
  const name = `stem.${stem.stem}`;
  const entry = await openEntry(zip, stem.entry, target.signal);
  const tap =
    format.probeFormat === null
      ? null
      : new DurationTap(format.probeFormat, format.contentType, stem.entry.uncompressedSize);
  const output = await putOutput(target, {
    name,
    key: outputKey(target.outputFolder, name, format.extension),
    contentType: format.contentType,
    body: tap ? pipeline(entry, tap, () => {}) : entry,
  });
  return { ...output, duration_ms: tap ? await tap.durationMs() : null };
}
