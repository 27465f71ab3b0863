import { UpstreamError } from '../upstream/upstream-error.ts';

/**
 * Failures of a stems archive the upstream answered 200 with. A corrupt or truncated archive
 * is a damaged response (another call will likely be whole), so it is retryable; an archive
 * that is readable but refused (unsafe or clashing entry names, too many or too large entries)
 * would be refused again, so it is fatal.
 */

/** The archive does not read as a ZIP, or an entry fails its size or CRC-32 check. */
export function corruptArchive(message: string, cause?: unknown): UpstreamError {
  return new UpstreamError({
    kind: 'retryable',
    status: null,
    upstreamCode: 'corrupt_archive',
    message: `stems archive is corrupt: ${message}`,
    cause,
  });
}

/** The archive reads, but what it holds cannot be stored safely. */
export function refusedArchive(
  code: 'unsafe_archive_entry' | 'duplicate_archive_entry' | 'archive_too_large',
  message: string,
): UpstreamError {
  return new UpstreamError({ kind: 'fatal', status: null, upstreamCode: code, message });
}
