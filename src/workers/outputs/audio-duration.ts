import type { Readable } from 'node:stream';
import { parseStream } from 'music-metadata';
import { rawSampleRate } from '../../shared/jobs/output-formats.ts';

/** The duration of a raw format's `bytes`; undefined for a container, whose bytes say it. */
export function rawDurationMs(format: string, bytes: number): number | undefined {
  const rate = rawSampleRate(format);
  if (rate === null) return undefined;
  const bytesPerSample = format.startsWith('pcm_') ? 2 : 1;
  return Math.round((bytes / bytesPerSample / rate) * 1000);
}

/**
 * A container's duration in ms, parsed from `stream` as it flows (read to its end if need be,
 * never held whole, destroyed after); null when the bytes do not say.
 */
export async function parseDurationMs(
  stream: Readable,
  contentType: string,
  size: number | null,
): Promise<number | null> {
  try {
    const metadata = await parseStream(
      stream,
      { mimeType: contentType, ...(size !== null && { size }) },
      { duration: true, skipCovers: true },
    );
    const seconds = metadata.format.duration;
    return seconds === undefined ? null : Math.round(seconds * 1000);
  } catch {
    return null;
  } finally {
    stream.destroy();
  }
}
