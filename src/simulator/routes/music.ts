import type { RouteContext, RouteSuccess, UpstreamRoute } from './route.ts';
import { hashParts } from '../prng.ts';
import { detailedPayload } from './music-multipart.ts';
import { writePlan, DEFAULT_SONG_MS } from './music-plan-writer.ts';
import { checkMusicAccess, checkPlan, checkPrompt } from './music-policy.ts';
import { parseComposeRequest, parsePlanRequest, readJsonBody } from './music-request.ts';
import { simPlanDurationMs } from './music-schemas.ts';
import { composeSong } from './music-song.ts';

/** Credits per minute of music: not published; the speech-to-speech rate, for scale. */
const CREDITS_PER_MINUTE = 1000;

type Variant = 'compose' | 'stream' | 'detailed';

/**
 * The compose endpoints: validation (422), then the account's plan (402), then the content
 * policy (400), then the song. Every answer carries the `song-id` header.
 */
async function compose(context: RouteContext, variant: Variant): Promise<RouteSuccess> {
  const request = parseComposeRequest(context.query, await readJsonBody(context));
  checkMusicAccess(context.config, context.requestId);
  if (request.prompt !== null) checkPrompt(request.prompt, context.requestId);
  if (request.plan !== null) checkPlan(request.plan, 'composition_plan', context.requestId);
  const song = await composeSong(request);
  const seconds = song.durationMs / 1000;
  const common = {
    outputSeconds: seconds,
    characterCost: Math.ceil((seconds / 60) * CREDITS_PER_MINUTE),
    headers: { 'song-id': song.songId },
  };
  if (variant === 'detailed') {
    const { body, contentType } = detailedPayload(song, request.format);
    return { body, contentType, streamed: false, ...common };
  }
  const streamed = variant === 'stream';
  return { body: song.audio, contentType: request.format.contentType, streamed, ...common };
}

/**
 * `POST /v1/music/plan`: a JSON plan whose durations sum to the requested length (30 s without
 * one). It costs no credits, as upstream.
 */
async function plan(context: RouteContext): Promise<RouteSuccess> {
  const request = parsePlanRequest(await readJsonBody(context));
  checkMusicAccess(context.config, context.requestId);
  checkPrompt(request.prompt, context.requestId);
  if (request.source) checkPlan(request.source, 'source_composition_plan', context.requestId);
  const written = writePlan({
    prompt: request.prompt,
    // Without a length, a source plan keeps its own; a bare prompt gets the default.
    lengthMs:
      request.musicLengthMs ??
      (request.source ? simPlanDurationMs(request.source) : DEFAULT_SONG_MS),
    model: request.model,
    instrumental: false,
    source: request.source,
    seed: hashParts([
      'music-plan',
      request.model,
      request.prompt,
      String(request.musicLengthMs),
      JSON.stringify(request.source),
    ]),
  });
  const body = Buffer.from(JSON.stringify(written), 'utf8');
  return {
    body,
    contentType: 'application/json',
    streamed: false,
    outputSeconds: 0,
    characterCost: null, // plans are free: no billing headers
  };
}

function composeRoute(template: string, variant: Variant): UpstreamRoute {
  return {
    method: 'POST',
    template,
    concurrencyClass: 'music',
    handle: (c) => compose(c, variant),
  };
}

/** `POST /v1/music`, `/v1/music/stream`, `/v1/music/detailed` and `/v1/music/plan`. */
export const musicRoutes: readonly UpstreamRoute[] = [
  composeRoute('/v1/music', 'compose'),
  composeRoute('/v1/music/stream', 'stream'),
  composeRoute('/v1/music/detailed', 'detailed'),
  { method: 'POST', template: '/v1/music/plan', concurrencyClass: 'music', handle: plan },
];
