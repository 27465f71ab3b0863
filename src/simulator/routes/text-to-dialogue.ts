import { randomBytes } from 'node:crypto';
import { splitAudio } from '../audio/audio-chunks.ts';
import { renderAudio } from '../audio/render-audio.ts';
import { hashParts } from '../prng.ts';
import { UpstreamHttpError, currentError } from '../upstream-errors.ts';
import { validationErrorBody } from '../validation.ts';
import type { RouteContext, RouteSuccess, UpstreamRoute } from './route.ts';
import { readJsonBody } from './text-to-dialogue-body.ts';
import { dialogueNdjson } from './text-to-dialogue-ndjson.ts';
import { parseDialogueRequest, type DialogueRequest } from './text-to-dialogue-request.ts';
import { dialogueTimeline } from './text-to-dialogue-timeline.ts';

/** Models that speak dialogue; others are 400 model_not_found (upstream.md). */
export const DIALOGUE_MODELS = ['eleven_v3'] as const;
export const MAX_DIALOGUE_VOICES = 10;
/** eleven_v3's hard limit on the inputs' total text, in characters (code points). */
export const MAX_DIALOGUE_CHARACTERS = 5_000;
/** Seconds of audio per NDJSON line of the timestamped stream. */
export const STREAM_CHUNK_SECONDS = 1;

type Variant = { stream: boolean; timestamps: boolean };

const countCharacters = (text: string): number => [...text].length;

/** The refusals FastAPI validation cannot express, in the upstream's current error shape. */
function checkRequest(context: RouteContext, request: DialogueRequest): number {
  const fail = (status: number, code: string, message: string, param: string) =>
    currentError(
      status,
      { type: status === 404 ? 'not_found_error' : 'invalid_request_error', code, message, param },
      context.requestId,
    );
  if (!(DIALOGUE_MODELS as readonly string[]).includes(request.modelId)) {
    const message = `A model with model ID ${request.modelId} does not exist or cannot do text to dialogue.`;
    throw fail(400, 'model_not_found', message, 'model_id');
  }
  if (request.inputs.length === 0 || request.inputs.some((input) => input.text.trim() === '')) {
    throw fail(400, 'invalid_argument', 'Every input needs non-empty text.', 'inputs');
  }
  const voices = new Set(request.inputs.map((input) => input.voiceId));
  if (voices.size > MAX_DIALOGUE_VOICES) {
    const message = `A dialogue may use at most ${MAX_DIALOGUE_VOICES} unique voice IDs, got ${voices.size}.`;
    throw fail(400, 'invalid_argument', message, 'inputs');
  }
  const total = request.inputs.reduce((sum, input) => sum + countCharacters(input.text), 0);
  if (total > MAX_DIALOGUE_CHARACTERS) {
    const message = `The text is ${total} characters long; the maximum for ${request.modelId} is ${MAX_DIALOGUE_CHARACTERS}.`;
    throw fail(400, 'max_character_limit_exceeded', message, 'inputs');
  }
  const rejected = request.inputs.find((input) =>
    context.config.rejectVoiceIds.includes(input.voiceId),
  );
  if (rejected) {
    const message = `A voice with the voice_id ${rejected.voiceId} was not found.`;
    throw fail(404, 'voice_not_found', message, 'voice_id');
  }
  return total;
}

/** Same request, same seed: same bytes. No seed: the upstream samples freely. */
function synthesisSeed(request: DialogueRequest): Uint8Array {
  if (request.seed === null) return randomBytes(32);
  return hashParts([
    'text-to-dialogue',
    JSON.stringify(request.inputs),
    request.modelId,
    String(request.stability),
    request.languageCode ?? '',
    JSON.stringify(request.locators),
    request.applyTextNormalization,
    String(request.seed),
    request.outputFormat.name,
  ]);
}

async function convert(context: RouteContext, variant: Variant): Promise<RouteSuccess> {
  const body = await readJsonBody(context);
  const parsed = parseDialogueRequest(context.query, body, variant.stream);
  if (!parsed.ok) throw new UpstreamHttpError(422, validationErrorBody(parsed.issues));
  const { request } = parsed;
  const characters = checkRequest(context, request);
  const timeline = dialogueTimeline(request.inputs);
  const audio = await renderAudio(
    request.outputFormat,
    timeline.durationSeconds,
    synthesisSeed(request),
  );
  const success = {
    streamed: variant.stream,
    outputSeconds: timeline.durationSeconds,
    characterCost: characters,
  };
  if (!variant.timestamps)
    return { ...success, body: audio, contentType: request.outputFormat.contentType };
  if (variant.stream) {
    const chunks = splitAudio(request.outputFormat, audio, STREAM_CHUNK_SECONDS);
    const lines = dialogueNdjson(timeline, chunks, context.config.dialogueChunkTimes);
    // Labelled as the docs label it; the body is NDJSON all the same (upstream.md).
    return { ...success, body: lines, contentType: 'text/event-stream' };
  }
  const answer = {
    audio_base64: audio.toString('base64'),
    alignment: timeline.alignment,
    normalized_alignment: timeline.alignment,
    voice_segments: timeline.voiceSegments,
  };
  return { ...success, body: Buffer.from(JSON.stringify(answer)), contentType: 'application/json' };
}

function route(template: string, variant: Variant): UpstreamRoute {
  return {
    method: 'POST',
    template,
    concurrencyClass: 'speech',
    handle: (context) => convert(context, variant),
  };
}

/** `POST /v1/text-to-dialogue`, `/stream`, `/with-timestamps` and `/stream/with-timestamps`. */
export const textToDialogueRoutes: readonly UpstreamRoute[] = [
  route('/v1/text-to-dialogue', { stream: false, timestamps: false }),
  route('/v1/text-to-dialogue/stream', { stream: true, timestamps: false }),
  route('/v1/text-to-dialogue/with-timestamps', { stream: false, timestamps: true }),
  route('/v1/text-to-dialogue/stream/with-timestamps', { stream: true, timestamps: true }),
];
