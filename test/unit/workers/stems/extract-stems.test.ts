import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStorage } from '../../../../src/shared/storage/create-storage.ts';
import type { ObjectStorage } from '../../../../src/shared/storage/object-storage.ts';
import { extractStems } from '../../../../src/workers/stems/extract-stems.ts';
import { UpstreamError } from '../../../../src/workers/upstream/upstream-error.ts';

// Real file storage in a temp folder: the archive is read back through the same streaming
// interface the worker uses for S3.

const JOB = 'job_stemsunittest';

/** One second of 16 kHz s16le per stem, each different. */
function pcmStem(seed: number): Uint8Array {
  const bytes = new Uint8Array(32_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + seed * 17) % 251;
  return bytes;
}

function archiveOf(
  names: readonly string[],
  level: 0 | 6,
): { zip: Buffer; stems: Map<string, Uint8Array> } {
  const files: Zippable = {};
  const stems = new Map<string, Uint8Array>();
  names.forEach((name, index) => {
    const bytes = pcmStem(index);
    stems.set(name, bytes);
    files[name] = [bytes, { level }];
  });
  return { zip: Buffer.from(zipSync(files)), stems };
}

/** Flips one byte inside the last entry's data (just before the central directory). */
function flipLastEntry(zip: Buffer): Buffer {
  const damaged = Buffer.from(zip);
  const centralDirectory = damaged.readUInt32LE(damaged.length - 22 + 16);
  damaged[centralDirectory - 100] = (damaged[centralDirectory - 100] ?? 0) ^ 0x5a;
  return damaged;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('extractStems', () => {
  let root: string;
  let storage: ObjectStorage;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'stems-unit-'));
    storage = createStorage({
      url: `file://${root}`,
      s3: { region: 'unused', forcePathStyle: true, checksumMode: 'WHEN_REQUIRED' },
    });
  });
  afterEach(async () => {
    await storage.close();
    await rm(root, { recursive: true, force: true });
  });

  async function store(zip: Buffer) {
    const stored = await storage.put(`jobs/${JOB}/stems.zip`, zip, {
      contentType: 'application/zip',
    });
    return { key: stored.key, sha256: stored.sha256 };
  }

  const target = (signal = new AbortController().signal) => ({
    outputFolder: `jobs/${JOB}/`,
    storage,
    signal,
  });

  async function keys(): Promise<string[]> {
    const found: string[] = [];
    for await (const key of storage.list(`jobs/${JOB}/`)) found.push(key);
    return found;
  }

  async function leftoverCopies(): Promise<string[]> {
    return (await readdir(tmpdir())).filter((name) => name.startsWith('audiobatch-stems-'));
  }

  it.each([0, 6] as const)(
    'stores every entry as stem.<name>, bytes and names from the archive (level %i)',
    async (level) => {
      const names = ['vocals.pcm', 'drums.pcm', 'bass.pcm', 'guitar.pcm', 'piano.pcm', 'other.pcm'];
      const { zip, stems } = archiveOf(names, level);
      const outputs = await extractStems(target(), await store(zip), 'pcm_16000');
      expect(outputs.map((o) => o.name)).toEqual([
        'stem.vocals',
        'stem.drums',
        'stem.bass',
        'stem.guitar',
        'stem.piano',
        'stem.other',
      ]);
      for (const [index, output] of outputs.entries()) {
        const bytes = stems.get(names[index] as string) as Uint8Array;
        expect(output.key).toBe(`jobs/${JOB}/${names[index]?.replace(/^/, 'stem.')}`);
        expect(output.sha256).toBe(sha256(bytes));
        expect(output.bytes).toBe(bytes.length);
        expect(output.content_type).toBe('audio/L16');
        expect(output.duration_ms).toBe(1000);
        const stored = Buffer.concat(await (await storage.get(output.key)).toArray());
        expect(sha256(stored)).toBe(sha256(bytes));
      }
    },
  );

  it('uses whatever names the archive has (two stems, unconfirmed names)', async () => {
    const { zip } = archiveOf(['stems/Voice.pcm', 'stems/Backing Track.pcm'], 6);
    const outputs = await extractStems(target(), await store(zip), 'pcm_16000');
    expect(outputs.map((o) => o.name)).toEqual(['stem.voice', 'stem.backing_track']);
    expect(await keys()).toEqual(
      [
        `jobs/${JOB}/stem.backing_track.pcm`,
        `jobs/${JOB}/stem.voice.pcm`,
        `jobs/${JOB}/stems.zip`,
      ].sort(),
    );
  });

  it.each([
    [
      'a truncated archive (no central directory)',
      (zip: Buffer) => zip.subarray(0, Math.floor(zip.length * 0.6)),
      0,
    ],
    ['a flipped byte in a stored entry (CRC-32)', flipLastEntry, 0],
    ['a flipped byte in a deflated entry', flipLastEntry, 6],
    ['not a ZIP at all', () => Buffer.from('<html>busy</html>'), 0],
  ] as const)(
    'fails %s as retryable corrupt_archive and stores no stem',
    async (_name, damage, level) => {
      const names = ['vocals.pcm', 'drums.pcm', 'other.pcm'];
      const before = await leftoverCopies();
      const archive = await store(damage(archiveOf(names, level).zip));
      const error: unknown = await extractStems(target(), archive, 'pcm_16000').catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).upstreamCode).toBe('corrupt_archive');
      expect((error as UpstreamError).kind).toBe('retryable');
      expect(await keys()).toEqual([`jobs/${JOB}/stems.zip`]);
      expect(await leftoverCopies()).toEqual(before);
    },
  );

  it('fails when the stored archive is not the one written (sha256 differs)', async () => {
    const archive = await store(archiveOf(['vocals.pcm'], 0).zip);
    const error: unknown = await extractStems(
      target(),
      { ...archive, sha256: '0'.repeat(64) },
      'pcm_16000',
    ).catch((e: unknown) => e);
    expect((error as UpstreamError).upstreamCode).toBe('corrupt_archive');
  });

  it.each([
    [['vocals.pcm', '../escape.pcm'], 'unsafe_archive_entry'],
    [['vocals.pcm', 'stems\\drums.pcm'], 'unsafe_archive_entry'],
    [['vocals.pcm', '/etc/other.pcm'], 'unsafe_archive_entry'],
    [['vocals.pcm', 'more/vocals.pcm'], 'duplicate_archive_entry'],
  ])('refuses %j (%s) without storing anything', async (names, code) => {
    const archive = await store(archiveOf(names, 0).zip);
    const error: unknown = await extractStems(target(), archive, 'pcm_16000').catch(
      (e: unknown) => e,
    );
    expect((error as UpstreamError).upstreamCode).toBe(code);
    expect((error as UpstreamError).kind).toBe('fatal');
    expect(await keys()).toEqual([`jobs/${JOB}/stems.zip`]);
  });

  it('stays an abort when the job is canceled, storing nothing', async () => {
    const archive = await store(archiveOf(['vocals.pcm', 'other.pcm'], 6).zip);
    const controller = new AbortController();
    controller.abort(new Error('canceled by user'));
    const error: unknown = await extractStems(
      target(controller.signal),
      archive,
      'pcm_16000',
    ).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(UpstreamError);
    expect(await keys()).toEqual([`jobs/${JOB}/stems.zip`]);
  });
});
