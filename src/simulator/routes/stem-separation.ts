import { measureInputDuration } from '../audio/input-duration.ts';
import type { SimulatorConfig } from '../config.ts';
import {
  BodyTooLargeError,
  MalformedBodyError,
  readMultipartForm,
  type ParsedForm,
} from '../request-body.ts';
import { UpstreamHttpError, currentError } from '../upstream-errors.ts';
import { validationErrorBody } from '../validation.ts';
import { checkMusicAccess } from './music-policy.ts';
import type { RouteContext, RouteSuccess, UpstreamRoute } from './route.ts';
import { buildStemsArchive, corruptArchive } from './stem-archive.ts';
import { SIX_STEM_LAYOUT, renderStems, stemSource, twoStemLayout } from './stem-render.ts';
import { parseStemSeparationRequest } from './stem-separation-request.ts';

// Unconfirmed upstream: billed here like speech-to-speech, per minute of input.
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
        { type: 'invalid_request_error', code: 'max_file_size_exceeded', message, param: 'file' },
        context.requestId,
      );
    }
    if (error instanceof MalformedBodyError) {
      const issue = {
        loc: ['body'],
        msg: 'There was an error parsing the body',
        type: 'value_error',
      };
      throw new UpstreamHttpError(422, validationErrorBody([issue]));
    }
    throw error;
  }
}

/** The input's duration in seconds, or the upstream's 400 for audio it cannot use. */
async function inputSeconds(context: RouteContext, bytes: Uint8Array): Promise<number> {
  const fail = (code: string, message: string): UpstreamHttpError =>
    currentError(
      400,
      { type: 'invalid_request_error', code, message, param: 'file' },
      context.requestId,
    );
  const seconds = await measureInputDuration(bytes, 'other');
  if (seconds === null) throw fail('invalid_audio', 'The audio file could not be decoded.');
  // The upstream's stems limit is undocumented; the simulator applies its one input limit.
  const limit = context.config.limits.maxInputSeconds;
  if (seconds > limit) {
    throw fail(
      'max_audio_duration_exceeded',
      `The audio is longer than the maximum of ${limit} seconds.`,
    );
  }
  return seconds;
}

/**
 * Consumes one of `stems.corruptNext`. The count lives in the config so tests set it with
 * `configure()` and read what is left from `GET /_simulator/config`; it counts down in place,
 * like the fault queue, and a later patch sets it anew.
 */
function takeCorruption(config: SimulatorConfig): boolean {
  if (config.stems.corruptNext <= 0) return false;
  config.stems.corruptNext -= 1;
  return true;
}

async function separate(context: RouteContext): Promise<RouteSuccess> {
  const parsed = parseStemSeparationRequest(context.query, await readForm(context));
  if (!parsed.ok) throw new UpstreamHttpError(422, validationErrorBody(parsed.issues));
  // Stem separation is part of the music API: free plans get 402, like music (unconfirmed).
  checkMusicAccess(context.config, context.requestId);
  const { outputFormat, file, variation } = parsed.request;
  const seconds = await inputSeconds(context, file.bytes);
  const source = await stemSource(file.bytes, seconds, outputFormat);
  const layout =
    variation === 'two_stems_v1'
      ? twoStemLayout(context.config.stems.twoStemNames)
      : SIX_STEM_LAYOUT;
  const stems = await renderStems(source, layout, outputFormat);
  const archive = buildStemsArchive(stems, outputFormat.codec);
  const config = context.config;
  return {
    body: takeCorruption(config) ? corruptArchive(archive, config.stems.corruption) : archive,
    contentType: 'application/zip',
    streamed: false,
    outputSeconds: source.seconds,
    characterCost: Math.ceil((source.seconds / 60) * CHARACTERS_PER_MINUTE),
    headers: { 'content-disposition': 'attachment; filename=stems.zip' },
  };
}

/** `POST /v1/music/stem-separation`: a ZIP of stems derived from the uploaded audio. */
export const stemSeparationRoutes: readonly UpstreamRoute[] = [
  {
    method: 'POST',
    template: '/v1/music/stem-separation',
    concurrencyClass: 'music',
    handle: separate,
  },
];
