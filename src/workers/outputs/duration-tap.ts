import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import { rawSampleRate } from '../../shared/jobs/output-formats.ts';
import { parseDurationMs, rawDurationMs } from './audio-duration.ts';

/**
 * Passes an output's bytes through unchanged while music-metadata reads them for the duration,
 * so the duration is known when the write ends instead of after a second read of the stored
 * object (1.8 ms p50, 12 ms p99 per job at saturation, before). The parser sets the pace (its
 * feed's backpressure holds the write), so nothing piles up in memory; once it has its answer
 * it is fed no more. Raw formats are not parsed: their duration follows from the size.
 */
export class DurationTap extends Transform {
  readonly #format: string;
  readonly #feed: PassThrough | null;
  readonly #parsed: Promise<number | null> | null;
  /** The write's callback held while the parser catches up. */
  #held: TransformCallback | null = null;

  constructor(format: string, contentType: string, size: number | null = null) {
    super();
    this.#format = format;
    if (rawSampleRate(format) !== null) {
      this.#feed = null;
      this.#parsed = null;
      return;
    }
    const feed = new PassThrough();
    // The parser's own failures come back as a null duration; the feed's are not the write's.
    feed.on('error', () => {});
    this.#feed = feed;
    this.#parsed = parseDurationMs(feed, contentType, size).finally(() => this.#release());
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.push(chunk);
    const feed = this.#feed;
    if (!feed || feed.destroyed || feed.write(chunk)) {
      callback();
      return;
    }
    this.#held = callback;
    feed.once('drain', () => this.#release());
  }

  override _flush(callback: TransformCallback): void {
    this.#feed?.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A tap that ran to its end is destroyed too (autoDestroy): the parser may still be
    // reading its feed's last bytes then. Only a write that failed stops it.
    if (error !== null || !this.writableFinished) this.#feed?.destroy();
    callback(error);
  }

  /** The duration in ms of the `bytes` that went through, or null when unknown. */
  async durationMs(bytes: number): Promise<number | null> {
    return this.#parsed ?? rawDurationMs(this.#format, bytes) ?? null;
  }

  /** Lets the write go on: the parser drained its feed, or stopped reading it for good. */
  #release(): void {
    const held = this.#held;
    this.#held = null;
    held?.();
  }
}
