import { randomBytes } from 'node:crypto';

/** The folder under the file driver's root that holds writes in progress; never a key. */
export const TEMP_DIR = '.tmp';

/**
 * Longest key the file driver accepts, in UTF-8 bytes: the key travels base64url-encoded in its
 * temp file's name, which must fit the usual 255-byte file name limit.
 */
export const MAX_FILE_KEY_BYTES = 160;

const SUFFIX = '.tmp';

/**
 * A unique temp file name that carries its destination key, so that writes in progress (or
 * abandoned by a crash) can be listed by key, like S3's pending multipart uploads.
 */
export function tempFileName(key: string): string {
  const encoded = Buffer.from(key, 'utf8').toString('base64url');
  return `${encoded}.${randomBytes(8).toString('hex')}${SUFFIX}`;
}

/** The key a temp file was writing, or undefined for names this driver did not create. */
export function keyOfTempFile(name: string): string | undefined {
  const match = /^([A-Za-z0-9_-]+)\.[0-9a-f]{16}\.tmp$/.exec(name);
  const encoded = match?.[1];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64url').toString('utf8');
}
