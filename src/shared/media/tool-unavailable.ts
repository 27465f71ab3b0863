import { AppError } from '../errors.ts';
import { resolveFfmpeg, type FfmpegBinary } from './ffmpeg-binary.ts';

/**
 * A job needs a tool this deployment lacks. 422 at intake, like any request this service cannot
 * carry out as asked, and never retryable in a worker: another attempt finds the same machine.
 */
export class ToolUnavailableError extends AppError {
  constructor(
    readonly tool: string,
    reason: string,
    field = 'type',
  ) {
    super('tool_unavailable', `${tool} is not available on this deployment: ${reason}`, 422, {
      details: [
        { field, message: `${tool} is not available: ${reason}`, code: 'tool_unavailable' },
      ],
    });
  }
}

/**
 * Refuses a `dub` request when ffmpeg, which its mix step runs, is missing. The intake calls it
 * before storing or queueing anything, so a deployment without the tool answers at once instead
 * of failing every dub at its last step.
 */
export function assertDubToolAvailable(binary: FfmpegBinary = resolveFfmpeg()): void {
  if (!binary.available) throw new ToolUnavailableError('ffmpeg', binary.reason);
}
