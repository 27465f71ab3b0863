import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.ts';
import { FileStorage } from './file-storage.ts';
import type { ObjectStorage } from './object-storage.ts';
import type { S3ConnectionOptions } from './s3-client.ts';
import { S3Storage } from './s3-storage.ts';

/** Which store to use and how to reach it (S3 options are ignored for file URLs). */
export interface CreateStorageOptions {
  /** `s3://bucket/optional/prefix`, `file:///absolute/path` or `file://./relative/path`. */
  url: string;
  /** Used for `s3://` URLs only. */
  s3: S3ConnectionOptions;
  /** Base for relative file URLs; the process's working directory by default. */
  cwd?: string;
}

/** What a storage URL names, before any driver is built. */
export type StorageLocation =
  { driver: 'file'; root: string } | { driver: 's3'; bucket: string; prefix: string };

/** Builds the storage driver a URL names. */
export function createStorage(options: CreateStorageOptions): ObjectStorage {
  const location = parseStorageUrl(options.url, options.cwd ?? process.cwd());
  switch (location.driver) {
    case 'file':
      return new FileStorage({ root: location.root });
    case 's3':
      return new S3Storage({
        bucket: location.bucket,
        prefix: location.prefix,
        connection: options.s3,
      });
  }
}

/**
 * Parses a storage URL. `file://./x` is not a standard file URL (its host would be `.`), so
 * file URLs are read by hand: a path starting with `/` is absolute, one starting with `.`
 * resolves against `cwd`.
 */
export function parseStorageUrl(url: string, cwd: string): StorageLocation {
  if (url.startsWith('file://')) {
    const rest = url.slice('file://'.length);
    if (rest.startsWith('.')) return { driver: 'file', root: resolve(cwd, decodeURI(rest)) };
    if (rest.startsWith('/')) return { driver: 'file', root: fileURLToPath(url) };
    throw new Error(
      `Unsupported file storage URL ${url}: use file:///absolute/path or file://./relative/path`,
    );
  }
  if (url.startsWith('s3://')) {
    const parsed = new URL(url);
    if (parsed.hostname === '' || parsed.search !== '' || parsed.hash !== '') {
      throw new Error(`Invalid S3 storage URL ${url}: expected s3://bucket or s3://bucket/prefix`);
    }
    const prefix = decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '');
    return { driver: 's3', bucket: parsed.hostname, prefix };
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '(none)';
  throw new Error(
    `Unsupported storage URL scheme ${scheme} in ${JSON.stringify(url)}: ` +
      'use s3://bucket/prefix, file:///absolute/path or file://./relative/path',
  );
}

/** The storage a deployment's configuration names (STORAGE_URL and the S3_* settings). */
export function storageFromConfig(
  config: Pick<
    Config,
    | 'STORAGE_URL'
    | 'S3_ENDPOINT'
    | 'S3_PUBLIC_ENDPOINT'
    | 'S3_REGION'
    | 'S3_FORCE_PATH_STYLE'
    | 'S3_CHECKSUM_MODE'
    | 'AWS_ACCESS_KEY_ID'
    | 'AWS_SECRET_ACCESS_KEY'
  >,
): ObjectStorage {
  return createStorage({
    url: config.STORAGE_URL,
    s3: {
      endpoint: config.S3_ENDPOINT,
      publicEndpoint: config.S3_PUBLIC_ENDPOINT,
      region: config.S3_REGION,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      checksumMode: config.S3_CHECKSUM_MODE,
      accessKeyId: config.AWS_ACCESS_KEY_ID,
      secretAccessKey: config.AWS_SECRET_ACCESS_KEY,
    },
  });
}
