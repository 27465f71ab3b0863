import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectNotFoundError } from '../../../src/shared/errors.ts';
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

  // The temp folder is made only when a write finds it missing, so one removed meanwhile (a
  // wiped root) must come back rather than fail every later write.
  it('puts and copies again once its temp folder was removed', async () => {
    await storage.put('first.txt', 'one');
    await rm(join(root, '.tmp'), { recursive: true });
    await storage.put('second.txt', 'two');
    await rm(join(root, '.tmp'), { recursive: true });
    await storage.copy('second.txt', 'copy.txt');
    expect(await readFile(join(root, 'second.txt'), 'utf8')).toBe('two');
    expect(await readFile(join(root, 'copy.txt'), 'utf8')).toBe('two');
  });

  it('copies from a missing key as not found, with or without its temp folder', async () => {
    await expect(storage.copy('absent.txt', 'x.txt')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await storage.put('present.txt', 'p');
    await expect(storage.copy('absent.txt', 'y.txt')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('still refuses a key whose folder is a file', async () => {
    await storage.put('file', 'x');
    await expect(storage.put('file/child', 'y')).rejects.toBeInstanceOf(InvalidObjectKeyError);
  });
});
