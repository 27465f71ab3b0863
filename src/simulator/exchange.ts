import { randomBytes } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { BodyFault } from './faults.ts';
import type { UpstreamRoute } from './routes/route.ts';
import type { SimulatorState } from './state.ts';
import { sleep, untilAborted } from './timing.ts';

/** One upstream request and its response, from arrival to close. */
export interface Exchange {
  readonly state: SimulatorState;
  readonly route: UpstreamRoute;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  /** Aborts when the connection closes before the response finished. */
  readonly signal: AbortSignal;
}

/** A complete response body with its status and extra headers. */
export interface Payload {
  status: number;
  body: Buffer;
  headers: Readonly<Record<string, string>>;
  /** Chunked in several writes instead of one Content-Length body. */
  streamed: boolean;
}

// Between the partial body and the RST: lets the bytes reach the client first, so it sees a
// reset mid-body rather than a refused request.
const RESET_GRACE_MS = 20;

/** Starts an exchange: a request id, a close-driven abort signal, and the request counted. */
export function openExchange(
  state: SimulatorState,
  route: UpstreamRoute,
  req: IncomingMessage,
  res: ServerResponse,
): Exchange {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  state.counters.countRequest(`${route.method} ${route.template}`);
  return {
    state,
    route,
    req,
    res,
    requestId: randomBytes(16).toString('hex'),
    signal: controller.signal,
  };
}

/** A JSON payload. */
export function jsonPayload(
  status: number,
  body: object,
  headers: Record<string, string> = {},
): Payload {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  return {
    status,
    body: bytes,
    headers: { 'content-type': 'application/json', ...headers },
    streamed: false,
  };
}

function headersFor(exchange: Exchange, payload: Payload): OutgoingHttpHeaders {
  const { limiter } = exchange.state;
  const cls = exchange.route.concurrencyClass;
  const headers: OutgoingHttpHeaders = {
    'request-id': exchange.requestId,
    // The official SDKs read this one for ElevenLabsError.requestId; same value.
    'x-request-id': exchange.requestId,
    'current-concurrent-requests': String(limiter.inFlight(cls)),
    'maximum-concurrent-requests': String(limiter.limit(cls)),
    ...payload.headers,
  };
  if (!payload.streamed) headers['content-length'] = payload.body.length;
  // A body we stopped reading cannot be followed by another request on this connection.
  if (!exchange.req.complete) headers.connection = 'close';
  return headers;
}

/** Writes `chunk` and waits until it is handed to the socket (or the client is gone). */
function writeFlushed(exchange: Exchange, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      exchange.signal.removeEventListener('abort', done);
      resolve();
    };
    exchange.signal.addEventListener('abort', done, { once: true });
    exchange.res.write(chunk, () => done());
  });
}

async function writeChunked(exchange: Exchange, body: Buffer): Promise<void> {
  // Several writes, each its own HTTP chunk, as a streaming upstream would send them.
  const size = Math.min(64 * 1024, Math.max(1024, Math.ceil(body.length / 8)));
  const { state, signal } = exchange;
  for (let offset = 0; offset < body.length; offset += size) {
    if (offset > 0 && !(await sleep(state.config.chunkDelayMs, signal))) return;
    if (offset + size >= body.length && offset > 0 && state.config.holdLastChunk) {
      await heldUntilReleased(exchange);
    }
    if (signal.aborted) return;
    await writeFlushed(exchange, body.subarray(offset, offset + size));
  }
  exchange.res.end();
}

/** Waits until holdLastChunk is switched off (or the client leaves). */
function heldUntilReleased({ state, signal }: Exchange): Promise<void> {
  return new Promise((resolve) => {
    const release = (): void => {
      state.heldChunks.delete(release);
      signal.removeEventListener('abort', release);
      resolve();
    };
    state.heldChunks.add(release);
    signal.addEventListener('abort', release, { once: true });
  });
}

/**
 * Sends `payload`, damaged by `fault` if one is given: `reset_mid_body` sends half the body and
 * resets the connection (RST), `truncated_body` sends half and closes cleanly (FIN) although
 * Content-Length promised all, `stall_body` sends a quarter and then nothing until the client
 * gives up. Does nothing if the client is already gone.
 */
export async function sendPayload(
  exchange: Exchange,
  payload: Payload,
  fault: BodyFault | null,
): Promise<void> {
  const { res, signal } = exchange;
  if (signal.aborted || res.headersSent) return;
  res.writeHead(payload.status, headersFor(exchange, payload));
  exchange.state.counters.countResponse(payload.status);
  const body = payload.body;
  switch (fault) {
    case null:
      if (payload.streamed) return writeChunked(exchange, body);
      res.end(body);
      return;
    case 'reset_mid_body':
      await writeFlushed(exchange, body.subarray(0, Math.floor(body.length / 2)));
      if (await sleep(RESET_GRACE_MS, signal)) res.socket?.resetAndDestroy();
      return;
    case 'truncated_body':
      await writeFlushed(exchange, body.subarray(0, Math.floor(body.length / 2)));
      res.socket?.end();
      return;
    case 'stall_body':
      await writeFlushed(exchange, body.subarray(0, Math.floor(body.length / 4)));
      return untilAborted(signal);
  }
}
