import { assumedMusicModel } from '../../shared/jobs/composition-plan.ts';
import { resolveMusicOutputFormat } from '../../shared/jobs/music.ts';
import { storeDetailedResponse } from '../music/detailed-response.ts';
import { composeBody } from '../music/compose-body.ts';
import { writeAudioOutput } from '../outputs/write-output.ts';
import type { JobDefinition, RequestOf } from './job-definition.ts';

type Request = RequestOf<'music'>;

function upstreamPath(request: Request): string {
  if (request.options.detailed) return '/v1/music/detailed';
  return request.options.stream ? '/v1/music/stream' : '/v1/music';
}

/**
 * Music from a prompt or a composition plan. The body is JSON; `output_format` travels in the
 * query; the seed is sent in plan mode only (the processor chose none in prompt mode, where the
 * upstream refuses one). The `song-id` response header lands on the job through the processor.
 */
export const music: JobDefinition<'music'> = {
  type: 'music',

  endpoint: upstreamPath,

  async run(context) {
    const { request } = context.job;
    const { params } = request;
    const body = composeBody(params, context.seed);
    const response = await context.callUpstream({
      path: upstreamPath(request),
      query: { output_format: params.output_format },
      body,
      accept: request.options.detailed ? 'multipart/mixed' : 'audio/*',
    });
    // `auto` stores as what the upstream picks for the model (always an mp3).
    const model = assumedMusicModel(params.model_id, params.composition_plan);
    const format = resolveMusicOutputFormat(params.output_format, model);
    if (request.options.detailed) {
      const outputs = await storeDetailedResponse(context, response, format);
      return { outputs, endpoint: upstreamPath(request) };
    }
    const audio = await writeAudioOutput(context, {
      name: 'audio',
      format,
      body: response.body,
      contentLength: response.contentLength,
    });
    return { outputs: [audio], endpoint: upstreamPath(request) };
  },
};
