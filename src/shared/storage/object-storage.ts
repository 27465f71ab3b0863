import type { Readable } from 'node:stream';

/** What a completed write produced: computed on the way through, never by re-reading. */
export interface StoredObject {
  key: string;
  bytes: number;
  /** Lowercase hex sha256 of the stored bytes. */
  sha256: string;
}

export interface PutOptions {
  contentType?: string;
  /** Aborts the write; nothing is left under the key (nor any multipart upload). */
  signal?: AbortSignal;
  /** Refuse bodies larger than this: the write fails with PayloadTooLargeError, nothing stored. */
  maxBytes?: number;
  /**
   * False for a hint whose loss costs nothing but a miss (a cache pointer): the file driver
   * then skips the fsync, still renaming into place whole. Default true; S3 is always durable.
   */
  durable?: boolean;
}

export interface ObjectHead {
  bytes: number;
  contentType: string | undefined;
}

export interface PresignOptions {
  expiresInSeconds: number;
  /** Suggested download file name (Content-Disposition). */
  fileName?: string;
}

/**
 * S3-compatible object storage, or a folder. Keys are relative (`uploads/upl_…`); the driver
 * adds its own prefix. Every write is atomic: an object appears under its key only once it is
 * complete, and a second write to the same key replaces it whole.
 */
export interface ObjectStorage {
  readonly driver: 'file' | 's3';
  /** Streams `body` to `key`, hashing and counting as it goes. */
  put(key: string, body: Readable | Buffer | string, options?: PutOptions): Promise<StoredObject>;
  /** Opens the object for reading; throws ObjectNotFoundError when absent. */
  get(key: string, options?: { signal?: AbortSignal }): Promise<Readable>;
  /** Size and type, or null when absent. */
  head(key: string): Promise<ObjectHead | null>;
  /** Server-side copy (S3 CopyObject / file copy + rename); throws ObjectNotFoundError. */
  copy(fromKey: string, toKey: string): Promise<void>;
  /** Deletes; deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** Every key under `prefix`, in lexicographic order. */
  list(prefix: string): AsyncIterable<string>;
  /** A time-limited GET URL, or null for drivers that cannot presign (file): serve the bytes. */
  presignGet(key: string, options: PresignOptions): Promise<string | null>;
  /** Keys of multipart uploads started under `prefix` and never completed nor aborted. */
  listPendingUploads(prefix: string): Promise<string[]>;
  /**
   * Aborts the pending uploads under `prefix` (a crashed writer's leftovers: S3 multipart
   * uploads, the file driver's temp files) and returns how many there were. A write still in
   * progress under `prefix` fails.
   */
  abortPendingUploads(prefix: string): Promise<number>;
  /** Throws when the store cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
