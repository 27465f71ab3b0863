import { rawSampleRate } from '../../shared/jobs/output-formats.ts';
import { Mp3FrameClock } from './mp3-frame-clock.ts';
import { OggGranuleClock } from './ogg-granule-clock.ts';

/** Measures how much audio a byte stream, fed piece by piece, holds so far. */
export interface AudioClock {
  push(piece: Buffer): void;
  /** Seconds of audio in what was pushed (whole frames or pages only). */
  seconds(): number;
}

/** Raw formats: a fixed number of bytes per second. */
class ByteRateClock implements AudioClock {
  private bytes = 0;
  constructor(private readonly bytesPerSecond: number) {}
  push(piece: Buffer): void {
    this.bytes += piece.length;
  }
  seconds(): number {
    return this.bytes / this.bytesPerSecond;
  }
}

/**
 * A clock for `format`, or null for wav: its header says how long it plays (music-metadata
 * reads it for an output's duration), and a timestamped dialogue answer in wav comes from the
 * non-stream endpoint in one chunk, so no chunk needs an offset.
 */
export function createAudioClock(format: string): AudioClock | null {
  const rate = rawSampleRate(format);
  if (rate !== null) return new ByteRateClock(rate * (format.startsWith('pcm_') ? 2 : 1));
  if (format.startsWith('mp3_')) return new Mp3FrameClock();
  if (format.startsWith('opus_')) return new OggGranuleClock();
  return null;
}
