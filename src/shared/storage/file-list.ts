import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isFsError } from './fs-error.ts';

interface Entry {
  /** The entry's key; folders end with "/" so that they sort exactly where their keys do. */
  key: string;
  isDir: boolean;
}

/**
 * Yields the keys of the files under `root` that start with `prefix`, in the byte order of their
 * UTF-8 keys (S3's order), streaming folder by folder rather than collecting the whole tree.
 * A folder sorts as `name/`: `a-c` comes before `a/b` because `-` < `/`.
 *
 * @param prefix an already validated prefix
 * @param reservedRootName a top-level folder that holds no keys (the temp folder)
 */
export async function* listFileKeys(
  root: string,
  prefix: string,
  reservedRootName: string,
): AsyncGenerator<string> {
  const cut = prefix.lastIndexOf('/') + 1;
  yield* walk(root, prefix.slice(0, cut), prefix.slice(cut), reservedRootName);
}

async function* walk(
  root: string,
  dirKey: string,
  namePrefix: string,
  reservedRootName: string,
): AsyncGenerator<string> {
  const entries = await readEntries(root, dirKey);
  const wanted: Entry[] = [];
  for (const entry of entries) {
    if (!entry.name.startsWith(namePrefix)) continue;
    if (dirKey === '' && entry.name === reservedRootName) continue;
    // Symlinks and special files are not objects this driver wrote.
    if (entry.isDirectory()) wanted.push({ key: `${dirKey}${entry.name}/`, isDir: true });
    else if (entry.isFile()) wanted.push({ key: `${dirKey}${entry.name}`, isDir: false });
  }
  wanted.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  for (const entry of wanted) {
    if (entry.isDir) yield* walk(root, entry.key, '', reservedRootName);
    else yield entry.key;
  }
}

async function readEntries(root: string, dirKey: string) {
  try {
    return await readdir(join(root, dirKey), { withFileTypes: true });
  } catch (error) {
    // A folder deleted while we walk, or a prefix that names no folder, simply holds no keys.
    if (isFsError(error, 'ENOENT', 'ENOTDIR')) return [];
    throw error;
  }
}
