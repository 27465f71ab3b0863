import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readJson } from '../../../../src/shared/lifecycle/read-json.ts';
import { FileStorage } from '../../../../src/shared/storage/file-storage.ts';

const markerSchema = z.object({ deployment: z.string() });

describe('readJson', () => {
  let root: string;
  let storage: FileStorage;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'read-json-'));
    storage = new FileStorage({ root });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  /** Lays bytes down as the object, bypassing put: what a reader of a store that does not
   * write atomically (s3rver) can see while another process is writing it. */
  async function lay(key: string, bytes: string) {
    await mkdir(dirname(join(root, key)), { recursive: true });
    await writeFile(join(root, key), bytes);
  }

  it('reads a valid object, and null for an absent one or one of another shape', async () => {
    await storage.put('a.json', JSON.stringify({ deployment: 'dep_1' }));
    await storage.put('b.json', JSON.stringify({ other: true }));
    expect(await readJson(storage, 'a.json', markerSchema)).toEqual({ deployment: 'dep_1' });
    expect(await readJson(storage, 'b.json', markerSchema)).toBeNull();
    expect(await readJson(storage, 'missing.json', markerSchema)).toBeNull();
  });

  it('answers null, not a SyntaxError, for an object read while it is being written', async () => {
    await lay('empty.json', '');
    await lay('torn.json', '{"deploym');
    expect(await readJson(storage, 'empty.json', markerSchema)).toBeNull();
    expect(await readJson(storage, 'torn.json', markerSchema)).toBeNull();
  });
});
