import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../shared/errors.ts';
import { pauseReason } from '../shared/queue/queue-pause.ts';
import type { ApiDeps } from '../api/deps.ts';
import { describeError } from '../api/error-envelope.ts';
import type { ApiServices } from '../api/services/api-services.ts';
import { formLimits } from '../api/services/multipart-forms.ts';
import { GatewayCalls } from './gateway-calls.ts';
import type { UpstreamAnswer } from './upstream-answer.ts';
import { refusalAnswer } from './upstream-errors.ts';
import { readUpstreamForm } from './upstream-form.ts';
import type { GatewayEndpoint, WireCall, WireFields, WireQuery } from './wire-requests.ts';

/** What the gateway delegates to: the REST intake's services, and the deps they were built from. */
export interface GatewayOptions {
  services: ApiServices;
  deps: ApiDeps;
}

/**
 * The upstream's JSON-bodied routes this gateway serves, by path. The `/stream` ones pass the
 * upstream's bytes on as the worker receives them (gateway-calls.ts), cache hits from storage.
 */
const JSON_ROUTES: Record<string, GatewayEndpoint> = {
  '/v1/text-to-dialogue': 'text_to_dialogue',
  '/v1/text-to-dialogue/stream': 'text_to_dialogue_stream',
  '/v1/text-to-dialogue/with-timestamps': 'text_to_dialogue_timestamps',
  '/v1/text-to-dialogue/stream/with-timestamps': 'text_to_dialogue_stream_timestamps',
  '/v1/music': 'music',
  '/v1/music/stream': 'music_stream',
  '/v1/music/detailed': 'music_detailed',
  '/v1/music/plan': 'music_plan',
};

/** The multipart ones, with the name of their file part. */
const FORM_ROUTES: Record<string, { endpoint: GatewayEndpoint; file: string }> = {
  '/v1/speech-to-speech/:voice_id': { endpoint: 'speech_to_speech', file: 'audio' },
  '/v1/speech-to-speech/:voice_id/stream': { endpoint: 'speech_to_speech_stream', file: 'audio' },
  '/v1/music/stem-separation': { endpoint: 'stem_separation', file: 'file' },
};

/** Route options every gateway route shares: the SDK's key header, a place in the docs. */
const routeOptions = (summary: string) => ({
  config: { apiKeyHeader: 'xi-api-key' as const },
  schema: { summary, tags: ['gateway'] },
});

/**
 * The ElevenLabs API's own routes on this service (issue 12): an SDK pointed here with an
 * audiobatch key gets the upstream's answers, byte for byte, through our queue, account limit,
 * retries, cache and archive. Handlers only translate: wire format in (wire-requests.ts), the
 * upstream's answer or error out (upstream-answer.ts, upstream-errors.ts).
 */
export const gatewayRoutes: FastifyPluginAsync<GatewayOptions> = async (
  app,
  { services, deps },
) => {
  await app.register(multipart, { limits: formLimits(deps.config.MAX_UPLOAD_BYTES) });
  const calls = new GatewayCalls({
    services,
    storage: deps.storage,
    logger: deps.logger,
    redis: deps.redis,
    keys: deps.keys,
    maxWaitMs: deps.config.GATEWAY_MAX_WAIT_MS,
    pauseReasonOf: (jobClass) => pauseReason(deps, jobClass),
  });

  // Our refusals in the upstream's shapes: SDK error handling must work unchanged.
  app.setErrorHandler((error, request, reply) => {
    const described = describeError(error);
    if (described.status >= 500) request.log.error({ err: error }, 'gateway call failed');
    else request.log.info({ code: described.code, status: described.status }, 'request refused');
    return sendAnswer(reply, refusalAnswer(described, request.id));
  });

  for (const [path, endpoint] of Object.entries(JSON_ROUTES)) {
    app.post(path, routeOptions(`ElevenLabs ${path}`), async (request, reply) => {
      const call = wireCall(request, endpoint, jsonFields(request.body), null);
      return sendAnswer(reply, await calls.answer(request.owner, call, null, clientGone(reply)));
    });
  }
  for (const [path, { endpoint, file }] of Object.entries(FORM_ROUTES)) {
    app.post(path, routeOptions(`ElevenLabs ${path}`), async (request, reply) => {
      const form = await readUpstreamForm(request.parts(), services.uploads, file);
      const call = wireCall(request, endpoint, form.fields, form.staged.id);
      const gone = clientGone(reply);
      return sendAnswer(reply, await calls.answer(request.owner, call, form.staged, gone));
    });
  }
};

function wireCall(
  request: FastifyRequest,
  endpoint: GatewayEndpoint,
  fields: WireFields,
  uploadId: string | null,
): WireCall {
  return {
    endpoint,
    fields,
    query: request.query as WireQuery,
    path: request.params as Record<string, string>,
    uploadId,
  };
}

function jsonFields(body: unknown): WireFields {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as WireFields;
  throw new ValidationError('The body must be a JSON object.', [
    { field: 'body', message: 'must be a JSON object' },
  ]);
}

/** Aborts when the caller hangs up before its answer was sent. */
function clientGone(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return gone.signal;
}

function sendAnswer(reply: FastifyReply, answer: UpstreamAnswer): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}
