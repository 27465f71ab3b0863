import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimulatorConfigError, parseConfigPatch } from './config.ts';
import { BodyTooLargeError, collectBody } from './request-body.ts';
import { applyConfigPatch, countersOf, resetSimulatorState, type SimulatorState } from './state.ts';

/** Path prefix of the control endpoints; never subject to auth, faults or counting. */
export const CONTROL_PREFIX = '/_simulator/';

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

function controlError(code: string, message: string, details: string[] = []): object {
  return { error: { code, message, details } };
}

/** The config as shown over HTTP: the API key is a secret and never leaves the process. */
function describeConfig(state: SimulatorState): object {
  const { apiKey, ...rest } = state.config;
  return {
    config: { ...rest, apiKey: apiKey === null ? null : '[redacted]' },
    pending_faults: state.faults.pending(),
  };
}

async function readPatch(req: IncomingMessage): Promise<unknown> {
  const body = await collectBody(req, 1024 * 1024);
  if (body === null) throw new BodyTooLargeError(1024 * 1024);
  const text = body.toString('utf8');
  return text.trim() === '' ? {} : (JSON.parse(text) as unknown);
}

async function configure(
  state: SimulatorState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    applyConfigPatch(state, parseConfigPatch(await readPatch(req)));
    sendJson(res, 200, describeConfig(state));
  } catch (error) {
    if (error instanceof SimulatorConfigError)
      return sendJson(res, 422, controlError('invalid_config', error.message, error.issues));
    if (error instanceof SyntaxError)
      return sendJson(res, 400, controlError('invalid_json', error.message));
    if (error instanceof BodyTooLargeError)
      return sendJson(res, 413, controlError('body_too_large', error.message));
    throw error;
  }
}

/**
 * `GET /_simulator/counters`, `GET|POST /_simulator/config` (POST takes a JSON patch, the same
 * as `configure()`), `POST /_simulator/reset`: for tests and benchmarks in other processes.
 */
export async function handleControlRequest(
  state: SimulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  const route = `${req.method ?? ''} ${pathname.slice(CONTROL_PREFIX.length)}`;
  switch (route) {
    case 'GET counters':
      return sendJson(res, 200, countersOf(state));
    case 'GET config':
      return sendJson(res, 200, describeConfig(state));
    case 'POST config':
      return configure(state, req, res);
    case 'POST reset':
      resetSimulatorState(state);
      return sendJson(res, 200, { ok: true });
    default:
      return sendJson(res, 404, controlError('not_found', `no control endpoint ${route}`));
  }
}
