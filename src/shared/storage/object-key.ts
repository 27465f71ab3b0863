import { BadRequestError } from '../errors.ts';

/** S3's own limit; the file driver may refuse shorter keys (see `FileStorage`). */
export const MAX_KEY_BYTES = 1024;

/** A key or prefix a storage driver refuses: it could escape the store or alias another key. */
export class InvalidObjectKeyError extends BadRequestError {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(
      `Invalid object key ${JSON.stringify(key)}: ${reason}.`,
      [{ field: 'key', message: reason }],
      'invalid_key',
    );
  }
}

/**
 * Checks a relative object key and returns it unchanged. Refused: empty keys, absolute paths,
 * empty, `.` or `..` segments, backslashes and control characters (NUL included). The same rules
 * hold for every driver, so a key that works on one works on the other.
 */
export function assertValidKey(key: string): string {
  const reason = keyProblem(key, false);
  if (reason !== undefined) throw new InvalidObjectKeyError(key, reason);
  return key;
}

/**
 * Checks a listing prefix: `''` (everything), a folder ending in `/`, or a partial key
 * (`jobs/job_01`). Returns it unchanged.
 */
export function assertValidPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const reason = keyProblem(prefix, true);
  if (reason !== undefined) throw new InvalidObjectKeyError(prefix, reason);
  return prefix;
}

function keyProblem(key: string, isPrefix: boolean): string | undefined {
  if (key.length === 0) return 'it is empty';
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `it is over ${MAX_KEY_BYTES} bytes`;
  if (key.startsWith('/')) return 'it must be relative (no leading "/")';
  if (key.includes('\\')) return 'backslashes are not allowed';
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'control characters are not allowed';
  const segments = key.split('/');
  // A prefix may end with "/" (a folder); its last, empty segment is not a path segment.
  if (isPrefix && segments.at(-1) === '') segments.pop();
  for (const segment of segments) {
    if (segment === '') return 'empty path segments ("//" or a trailing "/") are not allowed';
    if (segment === '.' || segment === '..') return '"." and ".." segments are not allowed';
  }
  return undefined;
}
