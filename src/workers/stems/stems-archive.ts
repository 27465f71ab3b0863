import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getFileNameLowLevel, openPromise, type Entry, type ZipFile } from 'yauzl';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';
import { corruptArchive } from './archive-errors.ts';
import { crcCheck } from './crc-check.ts';
import { planStemEntries, type PlannedStem } from './stem-entries.ts';

/**
 * The stored `stems.zip`, opened for reading its entries one by one.
 *
 * Why a local copy: a ZIP is read from its end (the central directory names and sizes every
 * entry; local headers are not to be trusted), so it needs random access, and the storage
 * interface only streams whole objects. yauzl reads a file by ranges, so a 50+ MB archive is
 * never held in memory; the copy is hashed on the way and must match the stored archive.
 */
export interface OpenedStemsArchive {
  zip: ZipFile;
  /** The entries that become stems, names checked, every entry verified whole. */
  stems: PlannedStem<Entry>[];
  /** Closes the archive and removes the local copy. */
  close(): Promise<void>;
}

/** Opens, plans and verifies; throws corrupt_archive (retryable) or a refusal (fatal). */
export async function openStemsArchive(
  storage: ObjectStorage,
  archive: { key: string; sha256: string },
  signal: AbortSignal,
): Promise<OpenedStemsArchive> {
  const dir = await mkdtemp(join(tmpdir(), 'audiobatch-stems-'));
  let zip: ZipFile | null = null;
  const close = async (): Promise<void> => {
    zip?.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const path = join(dir, 'stems.zip');
    await copyVerified(storage, archive, path, signal);
    const opened = await openPromise(path, {
      lazyEntries: true,
      autoClose: false,
      decodeStrings: false,
    }).catch((error: unknown) => {
      throw damaged(error, signal);
    });
    zip = opened;
    const stems = planStemEntries(await readEntries(opened, signal));
    for (const stem of stems) await verifyEntry(opened, stem.entry, signal);
    return { zip: opened, stems, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Opens an entry's (inflated) bytes; a failure to do so means the archive is damaged. */
export async function openEntry(
  zip: ZipFile,
  entry: Entry,
  signal: AbortSignal,
): Promise<Readable> {
  return zip.openReadStreamPromise(entry).catch((error: unknown) => {
    throw damaged(error, signal);
  });
}

async function copyVerified(
  storage: ObjectStorage,
  archive: { key: string; sha256: string },
  path: string,
  signal: AbortSignal,
): Promise<void> {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  await pipeline(await storage.get(archive.key, { signal }), tap, createWriteStream(path), {
    signal,
  });
  const copied = hash.digest('hex');
  if (copied !== archive.sha256) {
    throw corruptArchive(`stored copy has sha256 ${copied}, written as ${archive.sha256}`);
  }
}

/** Every central-directory entry, names decoded strictly (backslashes kept, to be refused). */
async function readEntries(zip: ZipFile, signal: AbortSignal): Promise<Entry[]> {
  const entries: Entry[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const fileName = getFileNameLowLevel(
        entry.generalPurposeBitFlag,
        entry.fileNameRaw,
        entry.extraFields,
        true,
      );
      entries.push(Object.assign(entry, { fileName }));
    }
  } catch (error) {
    throw damaged(error, signal);
  }
  return entries;
}

/**
 * Reads an entry to the end: sizes (yauzl) and CRC-32 (ours) must match the central directory.
 * Done for all entries before any stem is stored, so a damaged archive leaves no stem behind
 * and any later failure is storage's, not the archive's.
 */
async function verifyEntry(zip: ZipFile, entry: Entry, signal: AbortSignal): Promise<void> {
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  try {
    await pipeline(await openEntry(zip, entry, signal), crcCheck(entry.crc32), sink, { signal });
  } catch (error) {
    throw damaged(error, signal);
  }
}

/** Aborts stay aborts; anything else reading the local copy is damage in the archive. */
function damaged(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return error;
  return corruptArchive(error instanceof Error ? error.message : String(error), error);
}
