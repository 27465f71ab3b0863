import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidObjectKeyError } from '../../../src/shared/storage/object-key.ts';
import { FileStorage } from '../../../src/shared/storage/file-storage.ts';

// Folders are made only when a rename finds them missing; these check both paths still land.
describe('FileStorage folders', () => {
  let root: string;
  let storage: FileStorage;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-folders-'));
    storage = new FileStorage({ root });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('puts into a new nested folder and then into the same, existing folder', async () => {
    await storage.put('a/b/c/first.txt', 'one');
    await storage.put('a/b/c/second.txt', 'two');
    expect(await readFile(join(root, 'a/b/c/first.txt'), 'utf8')).toBe('one');
    expect(await readFile(join(root, 'a/b/c/second.txt'), 'utf8')).toBe('two');
  });

  it('copies into a folder that does not exist yet', async () => {
    await storage.put('src.txt', 'bytes');
    await storage.copy('src.txt', 'new/folder/dst.txt');
    expect(await readFile(join(root, 'new/folder/dst.txt'), 'utf8')).toBe('bytes');
  });

  it('still refuses a key whose folder is a file', async () => {
    await storage.put('file', 'x');
    await expect(storage.put('file/child', 'y')).rejects.toBeInstanceOf(InvalidObjectKeyError);
  });
});
