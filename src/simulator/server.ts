import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CONTROL_PREFIX, handleControlRequest } from './control-routes.ts';
import { matchTemplate, type UpstreamRoute } from './routes/route.ts';
import { musicRoutes } from './routes/music.ts';
import { speechToSpeechRoutes } from './routes/speech-to-speech.ts';
import { stemSeparationRoutes } from './routes/stem-separation.ts';
import { textToDialogueRoutes } from './routes/text-to-dialogue.ts';
import type { SimulatorState } from './state.ts';
import { handleUpstreamRequest } from './upstream-pipeline.ts';

/** Every simulated upstream endpoint. New endpoints add their route modules here. */
export const UPSTREAM_ROUTES: readonly UpstreamRoute[] = [
  ...speechToSpeechRoutes,
  ...textToDialogueRoutes,
  ...musicRoutes,
  ...stemSeparationRoutes,
];

function sendDetail(res: ServerResponse, status: number, detail: string): void {
  // FastAPI's own answers for unknown paths and methods.
  const bytes = Buffer.from(JSON.stringify({ detail }), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length });
  res.end(bytes);
}

async function dispatch(
  state: SimulatorState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://simulator.invalid');
  if (url.pathname.startsWith(CONTROL_PREFIX))
    return handleControlRequest(state, req, res, url.pathname);
  let methodMismatch = false;
  for (const route of UPSTREAM_ROUTES) {
    const params = matchTemplate(route.template, url.pathname);
    if (!params) continue;
    if (req.method !== route.method) {
      methodMismatch = true;
      continue;
    }
    return handleUpstreamRequest(state, route, { req, res, params, query: url.searchParams });
  }
  req.resume(); // discard any body; the answer does not depend on it
  sendDetail(res, methodMismatch ? 405 : 404, methodMismatch ? 'Method Not Allowed' : 'Not Found');
}

/**
 * A `node:http` server for `state`. Plain node:http rather than a framework because faults need
 * the raw socket: resetting mid-body, or closing after fewer bytes than Content-Length.
 */
export function createSimulatorServer(state: SimulatorState): Server {
  const server = createServer((req, res) => {
    dispatch(state, req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendDetail(res, 500, `simulator error: ${String(error)}`);
    });
  });
  // Uploads of up to 50 MB over slow links, and stalls that last until the client gives up.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 5_000;
  return server;
}
