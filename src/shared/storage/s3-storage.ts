import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { addAbortSignal, Readable } from 'node:stream';
import { ObjectNotFoundError } from '../errors.ts';
import { toReadable } from './body-stream.ts';
import { attachmentDisposition } from './content-disposition.ts';
import {
  assertValidKey,
  assertValidPrefix,
  InvalidObjectKeyError,
  MAX_KEY_BYTES,
} from './object-key.ts';
import type {
  ObjectHead,
  ObjectStorage,
  PresignOptions,
  PutOptions,
  StoredObject,
} from './object-storage.ts';
import { createS3Client, type S3ConnectionOptions } from './s3-client.ts';
import { isS3NotFound } from './s3-errors.ts';
import { uploadStream } from './s3-upload.ts';

/** The bucket, key prefix and connection of an {@link S3Storage}. */
export interface S3StorageOptions {
  bucket: string;
  /** Prepended to every key (`some/prefix` → `some/prefix/<key>`); empty for the bucket root. */
  prefix?: string;
  connection: S3ConnectionOptions;
  /** Keys per ListObjectsV2 page; S3's maximum (1000) unless a test wants to see paging. */
  listPageSize?: number;
}

/**
 * Object storage in an S3-compatible bucket. Writes are streamed (multipart above 8 MiB) and
 * the object appears only when the upload completes; failed or aborted uploads are aborted
 * before `put` rejects. Keys follow the same rules as the file driver.
 */
export class S3Storage implements ObjectStorage {
  readonly driver = 's3' as const;
  readonly bucket: string;
  /** `''` or ending with `/`. */
  readonly prefix: string;
  readonly #client: S3Client;
  /** Signs presigned URLs for the public endpoint (signing is local: it never connects). */
  readonly #presignClient: S3Client;
  readonly #listPageSize: number;

  constructor(options: S3StorageOptions) {
    if (options.bucket === '') throw new Error('S3Storage needs a bucket name');
    this.bucket = options.bucket;
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = prefix === '' ? '' : `${assertValidKey(prefix)}/`;
    this.#client = createS3Client(options.connection);
    const { publicEndpoint } = options.connection;
    this.#presignClient =
      publicEndpoint === undefined
        ? this.#client
        : createS3Client({ ...options.connection, endpoint: publicEndpoint });
    this.#listPageSize = options.listPageSize ?? 1000;
  }

  /** Takes ownership of `body`: it is consumed, and destroyed if the write fails. */
  async put(
    key: string,
    body: Readable | Buffer | string,
    options: PutOptions = {},
  ): Promise<StoredObject> {
    const source = toReadable(body);
    let objectKey: string;
    try {
      objectKey = this.#objectKey(key);
      options.signal?.throwIfAborted();
    } catch (error) {
      source.destroy();
      throw error;
    }
    const measured = await uploadStream(source, {
      client: this.#client,
      bucket: this.bucket,
      key: objectKey,
      ...options,
    });
    return { key, ...measured };
  }

  async get(key: string, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    const { signal } = options;
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: this.#objectKey(key) });
    try {
      const { Body: body } = await this.#client.send(command, { abortSignal: signal });
      if (!(body instanceof Readable)) throw new Error('GetObject returned no Node.js stream');
      // The SDK's signal covers the request; this one covers reading the body afterwards.
      return signal ? addAbortSignal(signal, body) : body;
    } catch (error) {
      signal?.throwIfAborted();
      if (isS3NotFound(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async head(key: string): Promise<ObjectHead | null> {
    const command = new HeadObjectCommand({ Bucket: this.bucket, Key: this.#objectKey(key) });
    try {
      const out = await this.#client.send(command);
      return { bytes: out.ContentLength ?? 0, contentType: out.ContentType };
    } catch (error) {
      if (isS3NotFound(error)) return null;
      throw error;
    }
  }

  /** CopyObject: atomic on the server, metadata (content type) kept; sources up to 5 GiB. */
  async copy(fromKey: string, toKey: string): Promise<void> {
    const source = this.#objectKey(fromKey).split('/').map(encodeURIComponent).join('/');
    const command = new CopyObjectCommand({
      Bucket: this.bucket,
      Key: this.#objectKey(toKey),
      CopySource: `${encodeURIComponent(this.bucket)}/${source}`,
    });
    try {
      await this.#client.send(command);
    } catch (error) {
      if (isS3NotFound(error)) throw new ObjectNotFoundError(fromKey);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(
      new DeleteObjectCommand({ Bucket: this.bucket, Key: this.#objectKey(key) }),
    );
  }

  async *list(prefix: string): AsyncGenerator<string> {
    const fullPrefix = this.prefix + assertValidPrefix(prefix);
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: fullPrefix,
          MaxKeys: this.#listPageSize,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) yield object.Key.slice(this.prefix.length);
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async presignGet(key: string, options: PresignOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.#objectKey(key),
      ResponseContentDisposition:
        options.fileName === undefined ? undefined : attachmentDisposition(options.fileName),
    });
    return getSignedUrl(this.#presignClient, command, { expiresIn: options.expiresInSeconds });
  }

  /** ListMultipartUploads under `prefix`, every page; sorted, a key once per pending upload. */
  async listPendingUploads(prefix: string): Promise<string[]> {
    const uploads = await this.#pendingUploads(prefix);
    return uploads.map((upload) => upload.key.slice(this.prefix.length)).sort();
  }

  async abortPendingUploads(prefix: string): Promise<number> {
    const uploads = await this.#pendingUploads(prefix);
    for (const upload of uploads) {
      await this.#client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.bucket,
          Key: upload.key,
          UploadId: upload.uploadId,
        }),
      );
    }
    return uploads.length;
  }

  /** Full keys and upload ids of the multipart uploads under `prefix`, every page. */
  async #pendingUploads(prefix: string): Promise<{ key: string; uploadId: string }[]> {
    const fullPrefix = this.prefix + assertValidPrefix(prefix);
    const uploads: { key: string; uploadId: string }[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.#client.send(
        new ListMultipartUploadsCommand({
          Bucket: this.bucket,
          Prefix: fullPrefix,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
      );
      for (const upload of page.Uploads ?? []) {
        if (upload.Key !== undefined && upload.UploadId !== undefined)
          uploads.push({ key: upload.Key, uploadId: upload.UploadId });
      }
      if (page.IsTruncated !== true) break;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
    return uploads;
  }

  async ping(): Promise<void> {
    await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  close(): Promise<void> {
    this.#client.destroy();
    if (this.#presignClient !== this.#client) this.#presignClient.destroy();
    return Promise.resolve();
  }

  #objectKey(key: string): string {
    const objectKey = this.prefix + assertValidKey(key);
    if (Buffer.byteLength(objectKey, 'utf8') > MAX_KEY_BYTES) {
      throw new InvalidObjectKeyError(
        key,
        `with the bucket prefix it is over ${MAX_KEY_BYTES} bytes`,
      );
    }
    return objectKey;
  }
}
