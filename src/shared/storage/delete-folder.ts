import type { ObjectStorage } from './object-storage.ts';

/**
 * Removes everything under `prefix`: its unfinished uploads (a writer's leftovers) and every
 * stored object. Returns how many there were. Deleting an empty folder is not an error.
 */
export async function deleteFolder(storage: ObjectStorage, prefix: string): Promise<number> {
  let removed = await storage.abortPendingUploads(prefix);
  for await (const key of storage.list(prefix)) {
    await storage.delete(key);
    removed++;
  }
  return removed;
}
