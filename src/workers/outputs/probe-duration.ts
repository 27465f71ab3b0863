import type { Readable } from 'node:stream';
import { parseStream } from 'music-metadata';
import { rawSampleRate } from '../../shared/jobs/output-formats.ts';

/**
 * An output's duration in ms. Raw formats have none in their bytes, so it is computed from the
 * size; containers are parsed from the stored object as a stream (never loaded whole).
 */
export async function probeDurationMs(
  format: string,
  bytes: number,
  open: () => Promise<Readable>,
  contentType: string,
): Promise<number | null> {
  const rate = rawSampleRate(format);
  if (rate !== null) {
    const bytesPerSample = format.startsWith('pcm_') ? 2 : 1;
    return Math.round((bytes / bytesPerSample / rate) * 1000);
  }
  const stream = await open();
  try {
    const metadata = await parseStream(
      stream,
      { mimeType: contentType, size: bytes },
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
