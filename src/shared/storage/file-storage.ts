import { createHash } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { access, link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ObjectNotFoundError, PayloadTooLargeError } from '../errors.ts';
import { toReadable } from './body-stream.ts';
import { listFileKeys } from './file-list.ts';
import { keyOfTempFile, MAX_FILE_KEY_BYTES, TEMP_DIR, tempFileName } from './file-temp-name.ts';
import { isFsError } from './fs-error.ts';
import { assertMaxBytes, MeasureStream } from './measure-stream.ts';
import { assertValidKey, assertValidPrefix, InvalidObjectKeyError } from './object-key.ts';
import type {
  ObjectHead,
  ObjectStorage,
  PresignOptions,
  PutOptions,
  StoredObject,
} from './object-storage.ts';

/** Where a {@link FileStorage} keeps its objects. */
export interface FileStorageOptions {
  /** Absolute path of the folder holding the objects; created on first write or ping. */
  root: string;
}

/**
 * Object storage in a local folder: key `a/b` is the file `<root>/a/b`.
 *
 * Writes stream into `<root>/.tmp/` and are renamed into place once complete (atomic on one
 * filesystem), so a reader sees the old object or the new one, never a partial one. Limits:
 * no content type is stored (`head` returns `contentType: undefined`), `presignGet` returns
 * null (serve the bytes), keys are at most {@link MAX_FILE_KEY_BYTES} bytes, their first
 * segment cannot be `.tmp`, and a key cannot be both an object and a folder (`a` and `a/b`).
 */
export class FileStorage implements ObjectStorage {
  readonly driver = 'file' as const;
  readonly root: string;
  readonly #tempDir: string;

  constructor(options: FileStorageOptions) {
    if (!isAbsolute(options.root)) {
      throw new Error(`FileStorage root must be an absolute path, got ${options.root}`);
    }
    this.root = resolve(options.root);
    this.#tempDir = join(this.root, TEMP_DIR);
  }

  /**
   * Takes ownership of `body`: it is consumed, and destroyed if the write fails. Once the
   * rename has begun an abort no longer applies and the write completes.
   */
  async put(
    key: string,
    body: Readable | Buffer | string,
    options: PutOptions = {},
  ): Promise<StoredObject> {
    if (typeof body === 'string' || Buffer.isBuffer(body))
      return this.#putBytes(key, body, options);
    const source = toReadable(body);
    const { signal, maxBytes, durable = true } = options;
    let tempPath: string | undefined;
    try {
      const path = this.#path(key);
      signal?.throwIfAborted();
      const measure = new MeasureStream({ maxBytes });
      tempPath = join(this.#tempDir, tempFileName(key));
      // The key's folder is made while the body streams in: a run's outputs go to a folder
      // of its own, new, and finding that out at the rename cost two more trips through the
      // thread pool after the last byte. A failure here is the rename's to report.
      const folderMade = mkdir(dirname(path), { recursive: true }).catch(() => undefined);
      const handle = await this.#inTempDir(() => open(tempPath as string, 'wx'));
      // `flush` fsyncs before close: the rename must never publish a file whose bytes are
      // still only in the page cache (unless the caller can lose them: `durable: false`).
      const file = createWriteStream(tempPath, { fd: handle, flush: durable });
      await pipeline(source, measure, file, signal ? { signal } : {});
      signal?.throwIfAborted();
      await folderMade;
      await this.#commit(key, tempPath, path);
      return { key, ...measure.result() };
    } catch (error) {
      source.destroy();
      if (tempPath !== undefined) await rm(tempPath, { force: true });
      // Report the caller's reason (cancel, timeout) rather than the stream's generic AbortError.
      signal?.throwIfAborted();
      throw error;
    }
  }

  /**
   * `put` of a body already in memory (job.json, cache pointers: one or two per job), without
   * the stream machinery a body of unknown size needs: in B7's profile that machinery made a
   * job.json write cost its api ~0.35 ms of CPU. Same steps, same guarantees: a temp file,
   * fsynced unless `durable: false`, renamed into place.
   */
  async #putBytes(key: string, body: Buffer | string, options: PutOptions): Promise<StoredObject> {
    const { signal, maxBytes, durable = true } = options;
    assertMaxBytes(maxBytes);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const path = this.#path(key);
    signal?.throwIfAborted();
    if (maxBytes !== undefined && bytes.length > maxBytes) throw new PayloadTooLargeError(maxBytes);
    const tempPath = join(this.#tempDir, tempFileName(key));
    const handle = await this.#inTempDir(() => open(tempPath, 'wx'));
    try {
      try {
        await handle.writeFile(bytes, signal ? { signal } : {});
        if (durable) await handle.sync();
      } catch (error) {
        // The write's own failure is the one to report, not a close failing after it.
        await handle.close().catch(() => undefined);
        throw error;
      }
      await handle.close();
      signal?.throwIfAborted();
      await this.#commit(key, tempPath, path);
    } catch (error) {
      await rm(tempPath, { force: true });
      signal?.throwIfAborted();
      throw error;
    }
    return { key, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  async get(key: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    const handle = await this.#openObject(key);
    return handle.createReadStream(options.signal ? { signal: options.signal } : {});
  }

  async head(key: string): Promise<ObjectHead | null> {
    const path = this.#path(key);
    try {
      const stats = await stat(path);
      return stats.isFile() ? { bytes: stats.size, contentType: undefined } : null;
    } catch (error) {
      if (isFsError(error, 'ENOENT', 'ENOTDIR')) return null;
      throw error;
    }
  }

  /**
   * A hard link made under a temp name and renamed into place, like `put`: no byte is read or
   * written again (a cache hit costs two metadata operations, not a copy and an fsync), and
   * each key stays its own directory entry, so deleting one leaves the other whole. Sharing
   * the file is safe because no object is ever changed in place: every write replaces it.
   * Where a link is refused (another filesystem, a folder), the bytes are copied instead.
   */
  async copy(fromKey: string, toKey: string): Promise<void> {
    const path = this.#path(toKey);
    const from = this.#path(fromKey);
    const tempPath = join(this.#tempDir, tempFileName(toKey));
    try {
      // ENOENT twice (the temp folder made in between): the source is missing.
      await this.#inTempDir(() => link(from, tempPath));
    } catch (error) {
      if (isFsError(error, 'ENOENT', 'ENOTDIR')) throw new ObjectNotFoundError(fromKey);
      if (isFsError(error, 'EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP'))
        return this.#copyBytes(fromKey, toKey);
      throw error;
    }
    try {
      await this.#commit(toKey, tempPath, path);
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
  }

  /** Copies through a temp file and a rename, like `put`: the target is never partial. */
  async #copyBytes(fromKey: string, toKey: string): Promise<void> {
    const handle = await this.#openObject(fromKey);
    await this.put(toKey, handle.createReadStream());
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.#path(key));
    } catch (error) {
      // A folder (EISDIR) or a path through a file (ENOTDIR) is not an object either.
      if (isFsError(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return;
      throw error;
    }
  }

  async *list(prefix: string): AsyncGenerator<string> {
    yield* listFileKeys(this.root, assertValidPrefix(prefix), TEMP_DIR);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so bad keys reject
  async presignGet(key: string, _options: PresignOptions): Promise<string | null> {
    this.#path(key);
    return null;
  }

  /**
   * Keys of the temp files under `.tmp/` whose destination starts with `prefix`: writes in
   * progress, and those a crashed process abandoned (the counterpart of S3's pending multipart
   * uploads). Sorted; a key appears once per temp file.
   */
  async listPendingUploads(prefix: string): Promise<string[]> {
    const temps = await this.#tempFiles(prefix);
    return temps.map((temp) => temp.key).sort();
  }

  /** Deletes those temp files; a write still streaming into one then fails at its rename. */
  async abortPendingUploads(prefix: string): Promise<number> {
    const temps = await this.#tempFiles(prefix);
    for (const temp of temps) await rm(join(this.#tempDir, temp.name), { force: true });
    return temps.length;
  }

  async #tempFiles(prefix: string): Promise<{ name: string; key: string }[]> {
    assertValidPrefix(prefix);
    let names: string[];
    try {
      names = await readdir(this.#tempDir);
    } catch (error) {
      if (isFsError(error, 'ENOENT')) return [];
      throw error;
    }
    return names
      .map((name) => ({ name, key: keyOfTempFile(name) }))
      .filter(
        (temp): temp is { name: string; key: string } => temp.key?.startsWith(prefix) === true,
      );
  }

  /**
   * Runs `create` (a new entry in the temp folder), making the folder only when `create` finds
   * it missing (ENOENT), then once more: a mkdir per write would be one more trip through
   * libuv's small thread pool, which every write's fsync shares (a batch of cache hits makes a
   * link and a job.json per item).
   */
  async #inTempDir<T>(create: () => Promise<T>): Promise<T> {
    try {
      return await create();
    } catch (error) {
      if (!isFsError(error, 'ENOENT')) throw error;
      await mkdir(this.#tempDir, { recursive: true });
      return create();
    }
  }

  /** Creates the root if needed, then checks that it is readable and writable. */
  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await access(this.root, constants.R_OK | constants.W_OK);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #path(key: string): string {
    assertValidKey(key);
    const segments = key.split('/');
    if (segments[0] === TEMP_DIR) {
      throw new InvalidObjectKeyError(key, `"${TEMP_DIR}" is reserved by the file driver`);
    }
    if (Buffer.byteLength(key, 'utf8') > MAX_FILE_KEY_BYTES) {
      throw new InvalidObjectKeyError(
        key,
        `the file driver takes at most ${MAX_FILE_KEY_BYTES} bytes`,
      );
    }
    return join(this.root, ...segments);
  }

  async #commit(key: string, tempPath: string, path: string): Promise<void> {
    try {
      await renameCreatingFolders(tempPath, path);
    } catch (error) {
      if (isFsError(error, 'EISDIR', 'ENOTDIR', 'EEXIST', 'ENOTEMPTY')) {
        throw new InvalidObjectKeyError(key, 'it collides with a folder or file of another key');
      }
      throw error;
    }
  }

  /** Opens a regular file for reading; anything else is ObjectNotFoundError. */
  async #openObject(key: string): Promise<FileHandle> {
    const path = this.#path(key);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isFsError(error, 'ENOENT', 'ENOTDIR')) throw new ObjectNotFoundError(key);
      throw error;
    }
    const stats = await handle.stat().catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    if (!stats.isFile()) {
      await handle.close();
      throw new ObjectNotFoundError(key);
    }
    return handle;
  }
}

/**
 * Most keys land in a folder that already exists, so the folder is made only when the rename
 * says it is missing: a mkdir per write is one more trip through libuv's small thread pool,
 * which every job's fsyncs share at saturation.
 */
async function renameCreatingFolders(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if (!isFsError(error, 'ENOENT')) throw error;
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
  }
}
