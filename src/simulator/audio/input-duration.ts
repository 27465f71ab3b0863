import { parseBuffer } from 'music-metadata';

/** The upstream's `file_format`: raw 16 kHz s16le mono, or anything a decoder can sniff. */
export type InputFileFormat = 'pcm_s16le_16' | 'other';

const PCM_S16LE_16_BYTES_PER_SECOND = 16000 * 2;

/**
 * The duration in seconds of an input file, or null when it cannot be decoded. Encoded input is
 * identified by its content (not its filename or part Content-Type, which the SDK leaves as
 * application/octet-stream), and mp3 frames are all counted so a file without a Xing header
 * still measures exactly.
 */
export async function measureInputDuration(
  bytes: Uint8Array,
  fileFormat: InputFileFormat,
): Promise<number | null> {
  if (bytes.length === 0) return null;
  if (fileFormat === 'pcm_s16le_16') return bytes.length / PCM_S16LE_16_BYTES_PER_SECOND;
  try {
    const metadata = await parseBuffer(bytes, undefined, { duration: true, skipCovers: true });
    const duration = metadata.format.duration;
    return duration !== undefined && Number.isFinite(duration) && duration > 0 ? duration : null;
  } catch {
    // music-metadata throws on unknown or corrupt containers: to the caller that is "undecodable".
    return null;
  }
}
