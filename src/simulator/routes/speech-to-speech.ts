import { createHash, randomBytes } from 'node:crypto';
import { measureInputDuration } from '../audio/input-duration.ts';
import { renderAudio } from '../audio/render-audio.ts';
import { hashParts } from '../prng.ts';
import {
  BodyTooLargeError,
  MalformedBodyError,
  readMultipartForm,
  type ParsedForm,
} from '../request-body.ts';
import { UpstreamHttpError, currentError } from '../upstream-errors.ts';
import { validationErrorBody } from '../validation.ts';
import type { RouteContext, RouteSuccess, UpstreamRoute } from './route.ts';
import {
  SPEECH_TO_SPEECH_MODELS,
  parseSpeechToSpeechRequest,
  type SpeechToSpeechRequest,
} from './speech-to-speech-request.ts';
import { canonicalVoiceSettings } from './voice-settings.ts';

// The upstream bills speech-to-speech at about 1,000 characters per minute of input audio.
const CHARACTERS_PER_MINUTE = 1000;

async function readForm(context: RouteContext): Promise<ParsedForm> {
  const limit = context.config.limits.maxInputBytes;
  try {
    return await readMultipartForm(context.req, limit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      const message = `The audio file exceeds the maximum size of ${limit} bytes.`;
      throw currentError(
        400,
        { type: 'invalid_request_error', code: 'max_file_size_exceeded', message, param: 'audio' },
        context.requestId,
      );
    }
    if (error instanceof MalformedBodyError) {
      throw new UpstreamHttpError(
        422,
        validationErrorBody([
          { loc: ['body'], msg: 'There was an error parsing the body', type: 'value_error' },
        ]),
      );
    }
    throw error;
  }
}

/** The checks FastAPI validation cannot do: voice, model, then the audio itself. */
async function checkRequest(
  context: RouteContext,
  request: SpeechToSpeechRequest,
): Promise<number> {
  const voiceId = context.params.voice_id ?? '';
  const fail = (
    status: number,
    code: string,
    message: string,
    param: string,
  ): UpstreamHttpError => {
    const type = status === 404 ? 'not_found_error' : 'invalid_request_error';
    return currentError(status, { type, code, message, param }, context.requestId);
  };
  if (context.config.rejectVoiceIds.includes(voiceId)) {
    throw fail(
      404,
      'voice_not_found',
      `A voice with the voice_id ${voiceId} was not found.`,
      'voice_id',
    );
  }
  if (!(SPEECH_TO_SPEECH_MODELS as readonly string[]).includes(request.modelId)) {
    const message = `A model with model ID ${request.modelId} does not exist or cannot do voice conversion.`;
    throw fail(400, 'model_not_found', message, 'model_id');
  }
  const seconds = await measureInputDuration(request.audio.bytes, request.fileFormat);
  if (seconds === null) {
    throw fail(400, 'invalid_audio', 'The audio file could not be decoded.', 'audio');
  }
  const limit = context.config.limits.maxInputSeconds;
  if (seconds > limit) {
    const message = `The audio is longer than the maximum of ${limit} seconds.`;
    throw fail(400, 'max_audio_duration_exceeded', message, 'audio');
  }
  return seconds;
}

/**
 * The synthesis seed: a hash of everything that should change the output, so the same request
 * with the same `seed` gets the same bytes. Without a `seed` the upstream samples freely, so a
 * random one is used.
 */
function synthesisSeed(voiceId: string, request: SpeechToSpeechRequest): Uint8Array {
  if (request.seed === null) return randomBytes(32);
  const audioHash = createHash('sha256').update(request.audio.bytes).digest();
  return hashParts([
    'speech-to-speech',
    audioHash,
    voiceId,
    request.modelId,
    canonicalVoiceSettings(request.voiceSettings),
    String(request.seed),
    request.outputFormat.name,
  ]);
}

async function convert(context: RouteContext, stream: boolean): Promise<RouteSuccess> {
  const form = await readForm(context);
  const parsed = parseSpeechToSpeechRequest(context.query, form, stream);
  if (!parsed.ok) throw new UpstreamHttpError(422, validationErrorBody(parsed.issues));
  const { request } = parsed;
  const seconds = await checkRequest(context, request);
  const body = await renderAudio(
    request.outputFormat,
    seconds,
    synthesisSeed(context.params.voice_id ?? '', request),
  );
  return {
    body,
    contentType: request.outputFormat.contentType,
    streamed: stream,
    outputSeconds: seconds,
    characterCost: Math.ceil((seconds / 60) * CHARACTERS_PER_MINUTE),
  };
}

/** `POST /v1/speech-to-speech/{voice_id}` and its `/stream` variant. */
export const speechToSpeechRoutes: readonly UpstreamRoute[] = [
  {
    method: 'POST',
    template: '/v1/speech-to-speech/{voice_id}',
    concurrencyClass: 'speech',
    handle: (context) => convert(context, false),
  },
  {
    method: 'POST',
    template: '/v1/speech-to-speech/{voice_id}/stream',
    concurrencyClass: 'speech',
    handle: (context) => convert(context, true),
  },
];
