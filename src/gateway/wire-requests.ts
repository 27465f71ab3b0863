import { musicPlanParamsSchema } from '../shared/jobs/music-plan.ts';
import { musicParamsSchema } from '../shared/jobs/music.ts';
import { speechToSpeechParamsSchema } from '../shared/jobs/speech-to-speech.ts';
import { stemSeparationParamsSchema } from '../shared/jobs/stem-separation.ts';
import { textToDialogueParamsSchema } from '../shared/jobs/text-to-dialogue.ts';

/**
 * The upstream's requests, as its SDKs send them, turned into our job requests. Our `params`
 * use the upstream's own field names (path and query parameters included), so a translation
 * only moves fields into place: validating them is the intake's job, with the same schema as
 * `POST /v1/jobs`. A field our params do not know (a newer SDK's) is not refused: it goes to
 * `upstream_extra`, sent to the upstream untouched and covered by the fingerprint.
 */

/** Body fields our params know, per job type: anything else passes through unvalidated. */
const KNOWN_FIELDS = {
  text_to_dialogue: new Set(Object.keys(textToDialogueParamsSchema.shape)),
  speech_to_speech: new Set(Object.keys(speechToSpeechParamsSchema.shape)),
  music: new Set(Object.keys(musicParamsSchema.shape)),
  music_plan: new Set(Object.keys(musicPlanParamsSchema.shape)),
  stem_separation: new Set(Object.keys(stemSeparationParamsSchema.shape)),
} as const;

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

/** Query parameters our params take, per endpoint family; others pass through. */
const DIALOGUE_QUERY = ['output_format'];
const SPEECH_QUERY = ['output_format', 'enable_logging', 'optimize_streaming_latency'];
const MUSIC_QUERY = ['output_format'];

/**
 * The job request one upstream call stands for, not yet validated (the intake's schema does),
 * with the fields and query parameters our params do not know kept aside as `upstream_extra`.
 */
export function toJobRequest(call: WireCall): Record<string, unknown> {
  const request = knownRequest(call);
  const type = request['type'] as keyof typeof KNOWN_FIELDS;
  const params = request['params'] as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const name of Object.keys(params)) {
    if (KNOWN_FIELDS[type].has(name)) continue;
    body[name] = params[name];
    delete params[name];
  }
  const taken = new Set(queryNamesOf(call.endpoint));
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(call.query)) {
    if (taken.has(name) || value === undefined) continue;
    query[name] = Array.isArray(value) ? (value[0] ?? '') : value;
  }
  const extra = {
    ...(Object.keys(body).length > 0 && { body }),
    ...(Object.keys(query).length > 0 && { query }),
  };
  return Object.keys(extra).length > 0 ? { ...request, upstream_extra: extra } : request;
}

function queryNamesOf(endpoint: GatewayEndpoint): readonly string[] {
  switch (endpoint) {
    case 'speech_to_speech':
    case 'speech_to_speech_stream':
      return SPEECH_QUERY;
    case 'music_plan':
      return [];
    case 'music':
    case 'music_stream':
    case 'music_detailed':
    case 'stem_separation':
      return MUSIC_QUERY;
    case 'text_to_dialogue':
    case 'text_to_dialogue_stream':
    case 'text_to_dialogue_timestamps':
    case 'text_to_dialogue_stream_timestamps':
      return DIALOGUE_QUERY;
  }
}

function knownRequest(call: WireCall): Record<string, unknown> {
  const { fields, query } = call;
  const input = call.uploadId === null ? undefined : { upload_id: call.uploadId };
  switch (call.endpoint) {
    case 'text_to_dialogue':
    case 'text_to_dialogue_stream':
    case 'text_to_dialogue_timestamps':
    case 'text_to_dialogue_stream_timestamps':
      return {
        type: 'text_to_dialogue',
        params: { ...fields, ...queryParams(query, DIALOGUE_QUERY) },
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
          ...queryParams(query, SPEECH_QUERY),
        },
        input,
        options: { stream: call.endpoint === 'speech_to_speech_stream' },
      };
    case 'music':
    case 'music_stream':
    case 'music_detailed':
      return {
        type: 'music',
        params: { ...fields, ...queryParams(query, MUSIC_QUERY) },
        options: {
          stream: call.endpoint === 'music_stream',
          detailed: call.endpoint === 'music_detailed',
        },
      };
    case 'music_plan':
      return { type: 'music_plan', params: { ...fields } };
    case 'stem_separation':
      return {
        type: 'stem_separation',
        params: { ...fields, ...queryParams(query, MUSIC_QUERY) },
        input,
      };
  }
}
