import type { InputFileFormat } from '../audio/input-duration.ts';
import {
  DEFAULT_OUTPUT_FORMAT,
  SPEECH_TO_SPEECH_OUTPUT_FORMATS,
  SPEECH_TO_SPEECH_STREAM_OUTPUT_FORMATS,
  parseOutputFormat,
  type OutputFormat,
} from '../audio/output-formats.ts';
import type { FormFile, ParsedForm } from '../request-body.ts';
import { IssueCollector, type ValidationIssue } from '../validation.ts';
import { parseVoiceSettings, type VoiceSettings } from './voice-settings.ts';

/** Models that can do voice conversion; the first is the upstream default. */
export const SPEECH_TO_SPEECH_MODELS = [
  'eleven_english_sts_v2',
  'eleven_multilingual_sts_v2',
] as const;

/** A validated speech-to-speech request (model existence is checked later, as upstream). */
export interface SpeechToSpeechRequest {
  outputFormat: OutputFormat;
  enableLogging: boolean;
  optimizeStreamingLatency: number | null;
  audio: FormFile;
  modelId: string;
  voiceSettings: VoiceSettings | undefined;
  seed: number | null;
  removeBackgroundNoise: boolean;
  fileFormat: InputFileFormat;
}

/** Either the request, or every validation problem found. */
export type ParseOutcome =
  { ok: true; request: SpeechToSpeechRequest } | { ok: false; issues: ValidationIssue[] };

// FastAPI treats an empty form or query value as absent (the doc's own curl samples send
// empty `seed`, `voice_settings` and so on), so the default applies.
function present(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value === '' ? undefined : value;
}

function parseAudioField(form: ParsedForm, issues: IssueCollector): FormFile | undefined {
  const audio = form.files.get('audio');
  if (audio) return audio;
  if (form.fields.has('audio')) {
    issues.add(
      ['body', 'audio'],
      "Value error, Expected UploadFile, received: <class 'str'>",
      'value_error',
    );
  } else issues.add(['body', 'audio'], 'Field required', 'missing');
  return undefined;
}

/**
 * Validates query and form of `POST /v1/speech-to-speech/{voice_id}[/stream]` like the upstream:
 * every field's problems, query first, then body. The stream variant accepts no `wav_*` format.
 */
export function parseSpeechToSpeechRequest(
  query: URLSearchParams,
  form: ParsedForm,
  stream: boolean,
): ParseOutcome {
  const issues = new IssueCollector();
  const formats = stream ? SPEECH_TO_SPEECH_STREAM_OUTPUT_FORMATS : SPEECH_TO_SPEECH_OUTPUT_FORMATS;
  const formatName = issues.oneOf(
    present(query.get('output_format')) ?? DEFAULT_OUTPUT_FORMAT,
    formats,
    ['query', 'output_format'],
  );
  const enableLogging = issues.boolean(present(query.get('enable_logging')), [
    'query',
    'enable_logging',
  ]);
  const latency = issues.integer(
    present(query.get('optimize_streaming_latency')),
    ['query', 'optimize_streaming_latency'],
    0,
    4,
  );
  const audio = parseAudioField(form, issues);
  const field = (name: string): string | undefined => present(form.fields.get(name));
  const settingsText = field('voice_settings');
  const voiceSettings =
    settingsText === undefined ? undefined : parseVoiceSettings(settingsText, issues);
  const seed = issues.integer(field('seed'), ['body', 'seed'], 0, 4294967295);
  const removeNoise = issues.boolean(field('remove_background_noise'), [
    'body',
    'remove_background_noise',
  ]);
  const fileFormat = issues.oneOf(field('file_format'), ['pcm_s16le_16', 'other'] as const, [
    'body',
    'file_format',
  ]);
  const outputFormat = formatName === undefined ? null : parseOutputFormat(formatName);
  if (issues.issues.length > 0 || !audio || !outputFormat)
    return { ok: false, issues: issues.issues };
  return {
    ok: true,
    request: {
      outputFormat,
      enableLogging: enableLogging ?? true,
      optimizeStreamingLatency: latency ?? null,
      audio,
      modelId: field('model_id') ?? SPEECH_TO_SPEECH_MODELS[0],
      voiceSettings,
      seed: seed ?? null,
      removeBackgroundNoise: removeNoise ?? false,
      fileFormat: fileFormat ?? 'other',
    },
  };
}
