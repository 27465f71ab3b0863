/**
 * The upstream's requests, as its SDKs send them, turned into our job requests. Our `params`
 * use the upstream's own field names (path and query parameters included), so a translation
 * only moves fields into place: validating them is the intake's job, with the same schema as
 * `POST /v1/jobs`. That schema is strict, so a field it does not know is refused (422) rather
 * than passed through: see the README's gateway section.
 */

/** Query parameters as fastify parsed them: strings, or arrays of strings when repeated. */
export type WireQuery = Record<string, string | string[] | undefined>;
/** A JSON body or the text fields of a form, already parsed. */
export type WireFields = Record<string, unknown>;

/** The gateway's routes, one per upstream endpoint. */
export type GatewayEndpoint =
  | 'text_to_dialogue'
  | 'text_to_dialogue_stream'
  | 'text_to_dialogue_timestamps'
  | 'text_to_dialogue_stream_timestamps'
  | 'speech_to_speech'
  | 'speech_to_speech_stream'
  | 'music'
  | 'music_stream'
  | 'music_detailed'
  | 'music_plan'
  | 'stem_separation';

/** What the upstream's route takes beside the body. */
export interface WireCall {
  endpoint: GatewayEndpoint;
  fields: WireFields;
  query: WireQuery;
  /** Path parameters (`voice_id` of speech-to-speech). */
  path: Record<string, string>;
  /** The staged audio of a multipart call. */
  uploadId: string | null;
}

/** Query parameters the upstream takes on audio endpoints, typed as our params want them. */
function queryParams(query: WireQuery, names: readonly string[]): WireFields {
  const params: WireFields = {};
  for (const name of names) {
    const value = query[name];
    if (value !== undefined) params[name] = formValue(Array.isArray(value) ? value[0] : value);
  }
  return params;
}

/**
 * A form field or query string as the upstream (FastAPI) reads it: typed by the declared type
 * there, by its look here (`42` a number, `true` a boolean, `{…}` the JSON object that
 * `voice_settings` is sent as); anything else stays a string. The schema then checks types.
 */
export function formValue(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^(true|false|-?\d+(\.\d+)?|\{.*\}|\[.*\])$/s.test(trimmed)) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return value;
    }
  }
  return value;
}

/** The job request one upstream call stands for, not yet validated (the intake's schema does). */
export function toJobRequest(call: WireCall): Record<string, unknown> {
  const { fields, query } = call;
  const input = call.uploadId === null ? undefined : { upload_id: call.uploadId };
  switch (call.endpoint) {
    case 'text_to_dialogue':
    case 'text_to_dialogue_stream':
    case 'text_to_dialogue_timestamps':
    case 'text_to_dialogue_stream_timestamps':
      return {
        type: 'text_to_dialogue',
        params: { ...fields, ...queryParams(query, ['output_format']) },
        options: {
          stream:
            call.endpoint === 'text_to_dialogue_stream' ||
            call.endpoint === 'text_to_dialogue_stream_timestamps',
          with_timestamps:
            call.endpoint === 'text_to_dialogue_timestamps' ||
            call.endpoint === 'text_to_dialogue_stream_timestamps',
        },
      };
    case 'speech_to_speech':
    case 'speech_to_speech_stream':
      return {
        type: 'speech_to_speech',
        params: {
          ...fields,
          ...call.path,
          ...queryParams(query, ['output_format', 'enable_logging', 'optimize_streaming_latency']),
        },
        input,
        options: { stream: call.endpoint === 'speech_to_speech_stream' },
      };
    case 'music':
    case 'music_stream':
    case 'music_detailed':
      return {
        type: 'music',
        params: { ...fields, ...queryParams(query, ['output_format']) },
        options: {
          stream: call.endpoint === 'music_stream',
          detailed: call.endpoint === 'music_detailed',
        },
      };
    case 'music_plan':
      return { type: 'music_plan', params: fields };
    case 'stem_separation':
      return {
        type: 'stem_separation',
        params: { ...fields, ...queryParams(query, ['output_format']) },
        input,
      };
  }
}
