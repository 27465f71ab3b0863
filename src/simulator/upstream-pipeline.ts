import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isBodyFault, type PreResponseFault } from './faults.ts';
import { jsonPayload, openExchange, sendPayload, type Exchange, type Payload } from './exchange.ts';
import { drainRequest } from './request-body.ts';
import type { RouteSuccess, UpstreamRoute } from './routes/route.ts';
import { nextRateLimitShape, type SimulatorState } from './state.ts';
import { sleep, untilAborted } from './timing.ts';
import {
  UpstreamHttpError,
  concurrencyLimitBody,
  internalErrorBody,
  invalidApiKeyBody,
  quotaExceededBody,
  systemBusyBody,
} from './upstream-errors.ts';

// Bodies of refused requests are read (and dropped) up to this size before answering.
const DRAIN_SLACK_BYTES = 1024 * 1024;

function apiKeyMatches(expected: string | null, given: string | string[] | undefined): boolean {
  if (expected === null) return true;
  if (typeof given !== 'string') return false;
  // Compare digests: constant time, and no length leak.
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

async function refuse(
  exchange: Exchange,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): Promise<void> {
  await drainRequest(exchange.req, exchange.state.config.limits.maxInputBytes + DRAIN_SLACK_BYTES);
  await sendPayload(exchange, jsonPayload(status, body, headers), null);
}

function retryAfter(state: SimulatorState): Record<string, string> {
  const seconds = state.config.retryAfterSeconds;
  return seconds === null ? {} : { 'retry-after': String(seconds) };
}

/** The status and body of an injected error fault. */
function faultAnswer(
  exchange: Exchange,
  fault: Exclude<PreResponseFault, 'stall_headers'>,
): [number, object] {
  const { state, requestId } = exchange;
  switch (fault) {
    case 'concurrency_429': {
      const limit = state.limiter.limit(exchange.route.concurrencyClass);
      return [429, concurrencyLimitBody(nextRateLimitShape(state), limit, requestId)];
    }
    case 'system_busy':
      return [429, systemBusyBody(nextRateLimitShape(state), requestId)];
    case 'error_500':
      // Every other injected 500 drops the `detail` wrapper, as some upstream 500s do.
      state.internalErrorTurns += 1;
      return [500, internalErrorBody(state.internalErrorTurns % 2 === 0, requestId)];
  }
}

async function injectPreResponseFault(exchange: Exchange, fault: PreResponseFault): Promise<void> {
  const { state, signal } = exchange;
  if (fault === 'stall_headers') {
    await drainRequest(exchange.req, state.config.limits.maxInputBytes + DRAIN_SLACK_BYTES);
    return untilAborted(signal);
  }
  // The upstream fails after its time to first byte, not at once.
  if (!(await sleep(state.config.latencyMs, signal))) return;
  const [status, body] = faultAnswer(exchange, fault);
  return refuse(exchange, status, body, retryAfter(state));
}

/** Runs the route: its success, or the payload of the UpstreamHttpError it threw. */
async function runRoute(
  exchange: Exchange,
  params: Record<string, string>,
  query: URLSearchParams,
): Promise<{ success: RouteSuccess } | { error: Payload }> {
  const { state, req, requestId, signal } = exchange;
  try {
    const context = { req, params, query, requestId, config: state.config, signal };
    return { success: await exchange.route.handle(context) };
  } catch (error) {
    if (!(error instanceof UpstreamHttpError)) throw error;
    return { error: jsonPayload(error.status, error.body, { ...error.headers }) };
  }
}

/**
 * Charges the success's credits and waits out the latency: the 200 payload, a 401 when the
 * credits do not cover it, or null when the client left during the wait.
 */
async function completeSuccess(exchange: Exchange, success: RouteSuccess): Promise<Payload | null> {
  const { state, requestId, signal } = exchange;
  const cost = success.characterCost ?? 0;
  if (state.creditsRemaining !== null) {
    if (cost > state.creditsRemaining) {
      return jsonPayload(401, quotaExceededBody(state.creditsRemaining, cost, requestId));
    }
    state.creditsRemaining -= cost; // billed even if the client leaves now, as upstream
  }
  const { latencyMs, latencyPerAudioSecondMs } = state.config;
  const latency = latencyMs + latencyPerAudioSecondMs * success.outputSeconds;
  if (!(await sleep(latency, signal))) return null;
  if (success.characterCost !== null) state.counters.countBilled(success.characterCost);
  const headers = {
    'content-type': success.contentType,
    ...(success.characterCost !== null && billingHeaders(success.characterCost)),
    ...success.headers,
  };
  return { status: 200, body: success.body, headers, streamed: success.streamed };
}

/**
 * What a billed generation answers with: its cost, and the id of the history item it made
 * (20 characters, like the upstream's). Sent with the status line, so a body that fails
 * later (reset, truncation) was still billed, as upstream.
 */
function billingHeaders(cost: number): Record<string, string> {
  return {
    'character-cost': String(cost),
    'x-character-count': String(cost),
    'history-item-id': randomBytes(15).toString('base64url').slice(0, 20),
  };
}

async function admitAndRun(
  exchange: Exchange,
  params: Record<string, string>,
  query: URLSearchParams,
): Promise<void> {
  const { state, req, requestId } = exchange;
  if (!apiKeyMatches(state.config.apiKey, req.headers['xi-api-key'])) {
    return refuse(exchange, 401, invalidApiKeyBody(requestId));
  }
  const cls = exchange.route.concurrencyClass;
  const release = state.limiter.tryAcquire(cls);
  if (!release) {
    state.counters.countRejectedConcurrency();
    return refuse(
      exchange,
      429,
      concurrencyLimitBody(nextRateLimitShape(state), state.limiter.limit(cls), requestId),
    );
  }
  exchange.res.once('close', release);
  if (exchange.signal.aborted) return release();
  const fault = state.faults.draw(state.config.faults.rates);
  if (fault) state.counters.countFault(fault);
  if (fault && !isBodyFault(fault)) return injectPreResponseFault(exchange, fault);
  const outcome = await runRoute(exchange, params, query);
  const payload =
    'error' in outcome ? outcome.error : await completeSuccess(exchange, outcome.success);
  if (payload) await sendPayload(exchange, payload, fault);
}

/**
 * Handles one upstream request: API key, then the account's concurrency limit (the slot is held
 * until the response ends or the socket closes), then the fault draw, then the route, latency
 * and sending. Faults are drawn only for requests that passed key and limit, so a queued fault
 * is never spent on a request that was refused anyway.
 */
export async function handleUpstreamRequest(
  state: SimulatorState,
  route: UpstreamRoute,
  request: {
    req: IncomingMessage;
    res: ServerResponse;
    params: Record<string, string>;
    query: URLSearchParams;
  },
): Promise<void> {
  const exchange = openExchange(state, route, request.req, request.res);
  try {
    await admitAndRun(exchange, request.params, request.query);
  } catch (error) {
    if (exchange.signal.aborted || request.res.headersSent) return;
    // A simulator bug: answer like the upstream's own 500, with the cause for whoever debugs it.
    const body = {
      ...internalErrorBody(false, exchange.requestId),
      simulator_error: String(error),
    };
    await sendPayload(exchange, jsonPayload(500, body), null);
  }
}
