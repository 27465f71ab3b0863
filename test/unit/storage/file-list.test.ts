import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStorage } from '../../../src/shared/storage/file-storage.ts';

// The S3 order (UTF-8 bytes) for the cases a naive folder walk gets wrong; the shared
// contract suite avoids them because s3rver gets some of them wrong itself.
describe('FileStorage.list order', () => {
  let root: string;
  let storage: FileStorage;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'file-list-'));
    storage = new FileStorage({ root });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of storage.list(prefix)) keys.push(key);
    return keys;
  }

  it('sorts a folder as "name/", and by UTF-8 bytes rather than UTF-16 units', async () => {
    const keys = ['ab/c', 'a0', 'a/b', 'a-c', 'a!', 'x.y', 'x/z', 'u/😀', 'u/\uff01'];
    for (const key of keys) await storage.put(key, key);
    expect(await list('')).toEqual([
      'a!',
      'a-c',
      'a/b',
      'a0',
      'ab/c',
      'u/\uff01',
      'u/😀',
      'x.y',
      'x/z',
    ]);
    expect(await list('a')).toEqual(['a!', 'a-c', 'a/b', 'a0', 'ab/c']);
    expect(await list('a/')).toEqual(['a/b']);
    expect(await list('nothing/here/')).toEqual([]);
  });

  it('never lists the temp folder, and refuses keys inside it', async () => {
    await storage.put('k', 'v');
    expect(await list('')).toEqual(['k']);
    await expect(storage.put('.tmp/x', 'v')).rejects.toMatchObject({ code: 'invalid_key' });
  });

  it('refuses keys too long for a temp file name', async () => {
    await expect(storage.put('k'.repeat(161), 'v')).rejects.toMatchObject({ code: 'invalid_key' });
    await expect(storage.put('k'.repeat(160), 'v')).resolves.toMatchObject({ bytes: 1 });
  });
});
