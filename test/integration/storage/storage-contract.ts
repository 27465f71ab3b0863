import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, PayloadTooLargeError } from '../../../src/shared/errors.ts';
import type { ObjectStorage } from '../../../src/shared/storage/object-storage.ts';
import {
  gate,
  generatedBody,
  hashStream,
  MiB,
  readAll,
  sha256,
} from '../../support/storage-bodies.ts';
import { waitUntil } from '../../support/eventually.ts';

export interface StorageUnderTest {
  storage: ObjectStorage;
  /** Removes whatever the test stored. */
  cleanup: () => Promise<void>;
}

/** Where drivers legitimately differ. */
export interface DriverTraits {
  /** presignGet returns a URL (S3) or null (file). */
  presigns: boolean;
  /** head reports the content type given to put. */
  storesContentType: boolean;
  /**
   * Two racing puts to one key leave one of them whole. True of the file driver, S3 and MinIO;
   * not of the s3rver emulator, which streams each PUT into the same file in place.
   */
  wholeRacingPuts: boolean;
}

/**
 * The one behaviour every ObjectStorage driver must have. `create` gives each test a fresh,
 * empty storage of its own; after each test nothing may be left pending.
 */
export function describeStorageContract(
  name: string,
  traits: DriverTraits,
  create: () => Promise<StorageUnderTest>,
): void {
  describe(`ObjectStorage contract: ${name}`, () => {
    let storage: ObjectStorage;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ storage, cleanup } = await create());
    });

    afterEach(async () => {
      // The leak check: no test may leave a multipart upload or temp file behind.
      expect(await storage.listPendingUploads('')).toEqual([]);
      await cleanup();
    });

    const list = async (prefix: string): Promise<string[]> => {
      const keys: string[] = [];
      for await (const key of storage.list(prefix)) keys.push(key);
      return keys;
    };
    const content = async (key: string): Promise<Buffer> => readAll(await storage.get(key));
    const outcome = (promise: Promise<unknown>): Promise<unknown> =>
      promise.then(
        () => 'resolved',
        (error: unknown) => error,
      );

    it('stores a Buffer, a string and a stream with their size and sha256', async () => {
      const buffer = Buffer.from([0, 1, 2, 255]);
      expect(await storage.put('buffer', buffer)).toEqual({
        key: 'buffer',
        bytes: 4,
        sha256: sha256(buffer),
      });
      expect(await storage.put('string', 'héllo')).toEqual({
        key: 'string',
        bytes: 6,
        sha256: sha256('héllo'),
      });
      const chunks = ['a', 'bc', 'def'].map((s) => Buffer.from(s));
      const stream = Readable.from(chunks, { objectMode: false });
      expect(await storage.put('dir/stream', stream)).toEqual({
        key: 'dir/stream',
        bytes: 6,
        sha256: sha256('abcdef'),
      });
      expect(await storage.put('empty', '')).toMatchObject({ bytes: 0, sha256: sha256('') });

      expect((await content('buffer')).equals(buffer)).toBe(true);
      expect((await content('string')).toString('utf8')).toBe('héllo');
      expect((await content('dir/stream')).toString()).toBe('abcdef');
      expect((await content('empty')).length).toBe(0);
    });

    it('replaces an object whole on overwrite', async () => {
      await storage.put('k', 'a much longer first version');
      await storage.put('k', 'short');
      expect((await content('k')).toString()).toBe('short');
      expect(await storage.head('k')).toMatchObject({ bytes: 5 });
    });

    it('streams a 20 MiB body in parts and reads it back intact', async () => {
      const { stream, expected } = generatedBody(20 * MiB);
      const stored = await storage.put('big/body.bin', stream);
      expect(stored).toEqual({ key: 'big/body.bin', bytes: 20 * MiB, sha256: expected.sha256() });
      expect(await hashStream(await storage.get('big/body.bin'))).toEqual({
        bytes: 20 * MiB,
        sha256: expected.sha256(),
      });
    });

    it('keeps a write in progress invisible: old object readable, new one only when done', async () => {
      await storage.put('k', 'old');
      const hold = gate();
      const { stream, expected } = generatedBody(9 * MiB, {
        pauseAfterBytes: 9 * MiB - 1,
        pause: hold.promise,
      });
      const writing = storage.put('k', stream);
      // Over one part: S3 shows a multipart upload; a single-PUT body is never pending there.
      const fresh = generatedBody(9 * MiB, { pauseAfterBytes: 9 * MiB - 1, pause: hold.promise });
      const writingNew = storage.put('fresh', fresh.stream);
      await waitUntil('both writes are pending', async () => {
        const pending = await storage.listPendingUploads('');
        return pending.includes('k') && pending.includes('fresh');
      });
      expect((await content('k')).toString()).toBe('old');
      expect(await storage.head('fresh')).toBeNull();
      expect(await list('')).toEqual(['k']);
      hold.open();
      expect(await writing).toMatchObject({ bytes: 9 * MiB, sha256: expected.sha256() });
      await writingNew;
      expect(await storage.head('k')).toMatchObject({ bytes: 9 * MiB });
      expect(await list('')).toEqual(['fresh', 'k']);
    });

    it.runIf(traits.wholeRacingPuts)(
      'keeps one whole version when two writes to a key race',
      async () => {
        const a = Buffer.alloc(MiB, 'a');
        const b = Buffer.alloc(MiB, 'b');
        await Promise.all([storage.put('race', a), storage.put('race', b)]);
        const stored = sha256(await content('race'));
        expect([sha256(a), sha256(b)]).toContain(stored);
      },
    );

    it('refuses a body over maxBytes: PayloadTooLargeError, nothing stored, nothing pending', async () => {
      await expect(storage.put('small', 'x'.repeat(11), { maxBytes: 10 })).rejects.toBeInstanceOf(
        PayloadTooLargeError,
      );
      await expect(storage.put('exact', 'x'.repeat(10), { maxBytes: 10 })).resolves.toMatchObject({
        bytes: 10,
      });
      const { stream } = generatedBody(20 * MiB);
      await expect(storage.put('large', stream, { maxBytes: 10 * MiB })).rejects.toBeInstanceOf(
        PayloadTooLargeError,
      );
      expect(stream.destroyed).toBe(true);
      expect(await storage.head('small')).toBeNull();
      expect(await storage.head('large')).toBeNull();
      expect(await storage.listPendingUploads('')).toEqual([]);
      expect(await list('')).toEqual(['exact']);
    });

    it('rejects with the source error when the body fails midway, leaving nothing', async () => {
      const hold = gate();
      const { stream } = generatedBody(20 * MiB, { pauseAfterBytes: 9 * MiB, pause: hold.promise });
      const result = outcome(storage.put('broken', stream));
      // Fail only once the write is truly under way (a multipart upload exists on S3).
      await waitUntil('the upload is pending', async () =>
        (await storage.listPendingUploads('broken')).includes('broken'),
      );
      const failure = new Error('upstream body broke');
      hold.fail(failure);
      expect(await result).toBe(failure);
      expect(await storage.head('broken')).toBeNull();
      expect(await storage.listPendingUploads('')).toEqual([]);
    });

    it('rejects with the abort reason when aborted midway, leaving nothing', async () => {
      const hold = gate();
      const { stream } = generatedBody(20 * MiB, { pauseAfterBytes: 9 * MiB, pause: hold.promise });
      const controller = new AbortController();
      const result = outcome(storage.put('aborted', stream, { signal: controller.signal }));
      await waitUntil('the upload is pending', async () =>
        (await storage.listPendingUploads('')).includes('aborted'),
      );
      const reason = new Error('job canceled');
      controller.abort(reason);
      hold.open();
      expect(await result).toBe(reason);
      expect(stream.destroyed).toBe(true);
      expect(await storage.head('aborted')).toBeNull();
      expect(await storage.listPendingUploads('')).toEqual([]);
      // An already aborted signal writes nothing at all.
      await expect(storage.put('never', 'x', { signal: controller.signal })).rejects.toBe(reason);
      expect(await list('')).toEqual([]);
    });

    it('aborts the pending uploads under a prefix (a crashed writer leftovers)', async () => {
      const hold = gate();
      const { stream } = generatedBody(20 * MiB, { pauseAfterBytes: 9 * MiB, pause: hold.promise });
      const result = outcome(storage.put('jobs/j1/audio.mp3', stream));
      await waitUntil('the upload is pending', async () =>
        (await storage.listPendingUploads('jobs/j1/')).includes('jobs/j1/audio.mp3'),
      );
      expect(await storage.abortPendingUploads('jobs/j2/')).toBe(0);
      expect(await storage.abortPendingUploads('jobs/j1/')).toBe(1);
      expect(await storage.listPendingUploads('')).toEqual([]);
      hold.open();
      // The interrupted writer fails rather than completing an upload that no longer exists.
      expect(await result).toBeInstanceOf(Error);
      expect(await storage.head('jobs/j1/audio.mp3')).toBeNull();
      expect(await storage.listPendingUploads('')).toEqual([]);
    });

    it('heads: null when absent, size and type when present', async () => {
      expect(await storage.head('nope')).toBeNull();
      await storage.put('typed.json', '{"a":1}', { contentType: 'application/json' });
      expect(await storage.head('typed.json')).toEqual({
        bytes: 7,
        contentType: traits.storesContentType ? 'application/json' : undefined,
      });
    });

    it('gets: ObjectNotFoundError when absent, abortable while reading', async () => {
      const missing = await outcome(storage.get('no/such/key'));
      expect(missing).toBeInstanceOf(ObjectNotFoundError);
      expect(missing).toMatchObject({ key: 'no/such/key', httpStatus: 404 });
      await storage.put('readme', Buffer.alloc(4 * MiB, 1));
      const controller = new AbortController();
      const reading = await storage.get('readme', { signal: controller.signal });
      controller.abort();
      await expect(readAll(reading)).rejects.toMatchObject({ name: 'AbortError' });
    });

    it('copies, leaving the source in place; copying a missing key fails', async () => {
      await storage.put('from', 'payload', { contentType: 'text/plain' });
      await storage.put('to', 'to be replaced');
      await storage.copy('from', 'to');
      expect((await content('to')).toString()).toBe('payload');
      expect((await content('from')).toString()).toBe('payload');
      if (traits.storesContentType) {
        expect(await storage.head('to')).toMatchObject({ contentType: 'text/plain' });
      }
      // Keys that need URL encoding (CopySource is a URL path on S3). No "+": s3rver decodes
      // the copy source with decodeURI, which leaves %2B encoded (S3 and MinIO do not).
      await storage.put('dir/scène 1 50%.txt', 'encoded');
      await storage.copy('dir/scène 1 50%.txt', 'other/scène 3.txt');
      expect((await content('other/scène 3.txt')).toString()).toBe('encoded');
      await expect(storage.copy('missing', 'elsewhere')).rejects.toBeInstanceOf(
        ObjectNotFoundError,
      );
      expect(await storage.head('elsewhere')).toBeNull();
    });

    it('keeps a copy whole when its source is replaced or deleted (the file driver links)', async () => {
      await storage.put('source', 'first');
      await storage.copy('source', 'copy');
      await storage.put('source', 'second');
      expect((await content('copy')).toString()).toBe('first');
      await storage.delete('source');
      expect((await content('copy')).toString()).toBe('first');
      await expect(storage.copy('nothing/here', 'x')).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('deletes; deleting an absent key is fine', async () => {
      await storage.put('a/b', 'x');
      await storage.delete('a/b');
      expect(await storage.head('a/b')).toBeNull();
      await storage.delete('a/b');
      await storage.delete('never/was');
    });

    it('lists keys under a prefix in lexicographic order', async () => {
      for (const key of ['b', 'a/2', 'a/10', 'a/1', 'ab', 'c/x/y', 'c/x/z', 'd']) {
        await storage.put(key, key);
      }
      expect(await list('')).toEqual(['a/1', 'a/10', 'a/2', 'ab', 'b', 'c/x/y', 'c/x/z', 'd']);
      expect(await list('a/')).toEqual(['a/1', 'a/10', 'a/2']);
      expect(await list('a')).toEqual(['a/1', 'a/10', 'a/2', 'ab']);
      expect(await list('c/x/')).toEqual(['c/x/y', 'c/x/z']);
      expect(await list('zzz/')).toEqual([]);
    });

    it('presigns a GET URL (S3) or returns null (file)', async () => {
      await storage.put('audio/out.mp3', 'ID3 bytes', { contentType: 'audio/mpeg' });
      const url = await storage.presignGet('audio/out.mp3', {
        expiresInSeconds: 60,
        fileName: 'scène 1.mp3',
      });
      if (!traits.presigns) {
        expect(url).toBeNull();
        return;
      }
      expect(url).toMatch(/^http/);
      const response = await fetch(url ?? '');
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('ID3 bytes');
      expect(response.headers.get('content-disposition')).toContain(
        "filename*=UTF-8''sc%C3%A8ne%201.mp3",
      );
    });

    it.each(['../x', '/abs', 'a//b', 'a/', 'a\\b', 'a\u0000b', ''])(
      'refuses the invalid key %j everywhere',
      async (key) => {
        const refused = { code: 'invalid_key', httpStatus: 400 };
        await expect(storage.put(key, 'x')).rejects.toMatchObject(refused);
        await expect(storage.get(key)).rejects.toMatchObject(refused);
        await expect(storage.head(key)).rejects.toMatchObject(refused);
        await expect(storage.delete(key)).rejects.toMatchObject(refused);
        await expect(storage.copy('ok', key)).rejects.toMatchObject(refused);
        await expect(storage.presignGet(key, { expiresInSeconds: 60 })).rejects.toMatchObject(
          refused,
        );
        expect(await list('')).toEqual([]);
      },
    );

    it('refuses invalid prefixes', async () => {
      await expect(list('../')).rejects.toMatchObject({ code: 'invalid_key' });
      await expect(storage.listPendingUploads('/abs')).rejects.toMatchObject({
        code: 'invalid_key',
      });
    });

    it('answers ping', async () => {
      await expect(storage.ping()).resolves.toBeUndefined();
    });
  });
}
