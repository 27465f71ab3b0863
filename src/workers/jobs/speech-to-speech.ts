import type { MultipartField } from '../upstream/multipart-body.ts';
import { buildMultipartBody } from '../upstream/multipart-body.ts';
import { writeAudioOutput } from '../outputs/write-output.ts';
import { extraFormFields } from '../upstream/upstream-extra.ts';
import type { JobDefinition, RequestOf } from './job-definition.ts';

type Request = RequestOf<'speech_to_speech'>;

/**
 * The voice changer. Path and query parameters come out of `params`; the rest travels as
 * multipart fields, `voice_settings` as a JSON string (the upstream wants it so), and the seed
 * always (the processor chose one when the caller did not).
 */
export const speechToSpeech: JobDefinition<'speech_to_speech'> = {
  type: 'speech_to_speech',

  endpoint: (request) =>
    request.options.stream
      ? '/v1/speech-to-speech/{voice_id}/stream'
      : '/v1/speech-to-speech/{voice_id}',

  async run(context) {
    const { request } = context.job;
    const { params } = request;
    const { inputKey, inputBytes, storage } = context;
    if (inputKey === null || inputBytes === null)
      throw new Error('speech_to_speech needs input audio');

    const fields: MultipartField[] = [
      {
        name: 'audio',
        fileName: 'input',
        contentType: context.inputContentType ?? 'application/octet-stream',
        bytes: inputBytes,
        open: () => storage.get(inputKey, { signal: context.signal }),
      },
      { name: 'model_id', value: params.model_id },
      ...formFields(params, context.seed),
    ];
    fields.push(...extraFormFields(context.job.request.upstream_extra, fields));
    const form = buildMultipartBody(fields);
    const response = await context.callUpstream({
      path: upstreamPath(request),
      query: queryOf(params),
      body: { contentType: form.contentType, contentLength: form.contentLength, body: form.body },
      accept: 'audio/*',
    });
    const audio = await writeAudioOutput(context, {
      name: 'audio',
      format: params.output_format,
      body: response.body,
      contentLength: response.contentLength,
    });
    return { outputs: [audio], endpoint: speechToSpeech.endpoint(request) };
  },
};

function upstreamPath(request: Request): string {
  const base = `/v1/speech-to-speech/${encodeURIComponent(request.params.voice_id)}`;
  return request.options.stream ? `${base}/stream` : base;
}

function queryOf(params: Request['params']): Record<string, string | undefined> {
  return {
    output_format: params.output_format,
    // Sent only when switching zero-retention on: true is the upstream default.
    enable_logging: params.enable_logging ? undefined : 'false',
    optimize_streaming_latency: params.optimize_streaming_latency?.toString(),
  };
}

function formFields(params: Request['params'], seed: number | null): MultipartField[] {
  const fields: MultipartField[] = [
    { name: 'remove_background_noise', value: String(params.remove_background_noise) },
    { name: 'file_format', value: params.file_format },
  ];
  if (params.voice_settings) {
    fields.push({ name: 'voice_settings', value: JSON.stringify(params.voice_settings) });
  }
  if (seed !== null) fields.push({ name: 'seed', value: String(seed) });
  return fields;
}
