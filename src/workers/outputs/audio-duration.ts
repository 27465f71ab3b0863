import type { Readable } from 'node:stream';
import { parseStream } from 'music-metadata';

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
