import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileStorage } from '../../../src/shared/storage/file-storage.ts';

/** FileHandle's prototype (node:fs/promises does not export the class). */
async function fileHandlePrototype(dir: string): Promise<{ sync: () => Promise<void> }> {
  const handle = await open(join(dir, 'probe'), 'w');
  await handle.close();
  return Object.getPrototypeOf(handle) as { sync: () => Promise<void> };
}

/**
 * A stored object must be on the disk before it is visible under its key: the finish writes
 * job.json, then commits `succeeded` (reliability.md). Streamed bodies flush before closing;
 * these are the bodies already in memory, written without a stream.
 */
describe('file storage durability', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audiobatch-durable-'));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('fsyncs a body in memory before renaming it into place, unless told it need not', async () => {
    const sync = vi.spyOn(await fileHandlePrototype(dir), 'sync');
    const storage = new FileStorage({ root: join(dir, 'objects') });

    await storage.put('jobs/j/job.json', Buffer.from('{"status":"succeeded"}'));
    await storage.put('jobs/j/other.json', '{}');
    expect(sync).toHaveBeenCalledTimes(2);

    await storage.put('cache/pointer.json', '{}', { durable: false });
    expect(sync).toHaveBeenCalledTimes(2);
  });
});
