import type { ErrorDetail } from '../../shared/errors.ts';
import type { JobRequest } from '../../shared/jobs/job-request.ts';
import type { FfmpegBinary } from '../../shared/media/ffmpeg-binary.ts';
import { ToolUnavailableError } from '../../shared/media/tool-unavailable.ts';

/**
 * The local tools a request needs that this deployment lacks, as the problems a 422 lists
 * (code `tool_unavailable`): a `dub` needs ffmpeg for its mix. Refused at intake, not queued to
 * fail at its last step after two paid upstream calls.
 */
export function toolProblems(
  request: JobRequest,
  ffmpeg: FfmpegBinary,
  prefix = '',
): ErrorDetail[] {
  if (request.type !== 'dub' || ffmpeg.available) return [];
  const refusal = new ToolUnavailableError('ffmpeg', ffmpeg.reason);
  return refusal.details.map((detail) => ({
    ...detail,
    field: prefix ? `${prefix}.${detail.field}` : detail.field,
  }));
}

/** The same check for one job: throws the 422 `tool_unavailable`. */
export function assertToolsAvailable(request: JobRequest, ffmpeg: FfmpegBinary): void {
  if (request.type === 'dub' && !ffmpeg.available)
    throw new ToolUnavailableError('ffmpeg', ffmpeg.reason);
}
