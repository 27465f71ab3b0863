import { z } from 'zod';
import type { FfmpegBinary } from '../../shared/media/ffmpeg-binary.ts';

/**
 * `/readyz`'s word on ffmpeg, which the `dub` job's mix runs. Reported, never failing readiness:
 * without it every other job type still flows, and `dub` requests are refused at intake (422
 * `tool_unavailable`) rather than queued. The binary's path is not shown on an open probe.
 */
export const ffmpegCheckSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  /** Which rule found it: `env` (FFMPEG_PATH), `installer` (the npm package), `path`. */
  source: z.enum(['env', 'installer', 'path']).nullable(),
  /** Why it is unavailable, and how to fix it. */
  reason: z.string().nullable(),
});
export type FfmpegCheck = z.infer<typeof ffmpegCheckSchema>;

export function ffmpegCheck(binary: FfmpegBinary): FfmpegCheck {
  return binary.available
    ? { status: 'ok', source: binary.source, reason: null }
    : { status: 'unavailable', source: null, reason: binary.reason };
}
