import { AppError } from '../../shared/errors.ts';

/**
 * ffmpeg ran and failed (an input it cannot decode, a filter or encoder it refused). The same
 * inputs would fail the same way, so it is not retryable; the message carries ffmpeg's own
 * last lines of stderr, which say what it could not do.
 */
export class MixFailedError extends AppError {
  constructor(
    readonly exitCode: number | null,
    readonly stderrTail: string,
    cause?: unknown,
  ) {
    const how = exitCode === null ? 'could not run' : `exited with ${exitCode}`;
    const said = stderrTail.trim() || '(no output)';
    super('mix_failed', `the mix failed: ffmpeg ${how}: ${said}`, 500, { cause });
  }
}
