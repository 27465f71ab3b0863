import { checkAlignment, type AlignmentReport } from '../dialogue/alignment-check.ts';
import { readTimestampedAudio } from '../dialogue/read-timestamped-audio.ts';
import { corruptBody } from '../dialogue/timestamped-chunks.ts';
import { writeTimestampsOutputs } from '../dialogue/write-timestamps-outputs.ts';
import { writeAudioOutput } from '../outputs/write-output.ts';
import type { JobContext, JobDefinition, JobOutcome, RequestOf } from './job-definition.ts';

type Request = RequestOf<'text_to_dialogue'>;

const ENDPOINTS = {
  plain: '/v1/text-to-dialogue',
  stream: '/v1/text-to-dialogue/stream',
  timestamps: '/v1/text-to-dialogue/with-timestamps',
  streamTimestamps: '/v1/text-to-dialogue/stream/with-timestamps',
} as const;

/** The JSON body: every upstream field given, and the seed always (fixed at intake if absent). */
function bodyOf(params: Request['params'], seed: number | null): Record<string, unknown> {
  const { output_format: _format, enable_logging: _logging, seed: _seed, ...body } = params;
  return seed === null ? body : { ...body, seed };
}

/**
 * The job's `result`: the alignment check in short, so a caller sees a degraded alignment on
 * the job itself without opening the timestamps output.
 */
function resultOf(report: AlignmentReport): { alignment_report: AlignmentReport } {
  return { alignment_report: report };
}

async function runWithTimestamps(
  context: JobContext<'text_to_dialogue'>,
  response: Awaited<ReturnType<JobContext<'text_to_dialogue'>['callUpstream']>>,
): Promise<JobOutcome> {
  const { request } = context.job;
  const format = request.params.output_format;
  const { audio, timestamps } = await readTimestampedAudio(context, response, {
    format,
    stream: request.options.stream,
  });
  if (audio.bytes === 0) {
    await context.storage.delete(audio.key); // never leave an empty file as the job's audio
    throw corruptBody('no audio in the answer');
  }
  const report = checkAlignment(timestamps.document, {
    chunkTimes: timestamps.chunkTimes,
    chunks: timestamps.chunks,
    audioSeconds: audio.duration_ms === null ? null : audio.duration_ms / 1000,
  });
  if (!report.ok) {
    context.logger.warn(
      { problem_count: report.problem_count, first: report.problems[0] },
      'dialogue alignment is degraded; the job succeeds with a report',
    );
  }
  const extra = await writeTimestampsOutputs(context, timestamps.document, report);
  return {
    outputs: [audio, ...extra],
    endpoint: textToDialogue.endpoint(request),
    result: resultOf(report),
  };
}

/**
 * Dialogue: a JSON body to one of four endpoints (`stream` × `with_timestamps`). Plain and
 * stream answers are raw audio, streamed to storage. Timestamped answers carry the audio as
 * base64 in JSON, decoded into the `audio` output as it arrives, and the timing, reassembled
 * into `timestamps` plus `captions.vtt` and `captions.srt`.
 */
export const textToDialogue: JobDefinition<'text_to_dialogue'> = {
  type: 'text_to_dialogue',

  endpoint: ({ options }) => {
    if (options.with_timestamps) {
      return options.stream ? ENDPOINTS.streamTimestamps : ENDPOINTS.timestamps;
    }
    return options.stream ? ENDPOINTS.stream : ENDPOINTS.plain;
  },

  async run(context) {
    const { request } = context.job;
    const { params, options } = request;
    const json = JSON.stringify(bodyOf(params, context.seed));
    const response = await context.callUpstream({
      path: textToDialogue.endpoint(request),
      query: {
        output_format: params.output_format,
        // Sent only when switching zero-retention on: true is the upstream default.
        enable_logging: params.enable_logging === false ? 'false' : undefined,
      },
      body: {
        contentType: 'application/json',
        contentLength: Buffer.byteLength(json),
        body: json,
      },
      accept: options.with_timestamps ? 'application/json' : 'audio/*',
    });
    if (options.with_timestamps) return runWithTimestamps(context, response);
    const audio = await writeAudioOutput(context, {
      name: 'audio',
      format: params.output_format,
      body: response.body,
      contentLength: response.contentLength,
    });
    return { outputs: [audio], endpoint: textToDialogue.endpoint(request) };
  },
};
