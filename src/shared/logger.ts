import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { redactSecrets } from './log-secrets.ts';
import { scrubUrl } from './net/scrub-url.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: string;
  /** Where lines go; default stdout. Tests pass a stream to inspect what was logged. */
  destination?: NodeJS.WritableStream;
  /** `LOG_FORMAT`; `auto` is pretty when the destination is a terminal. Default json. */
  format?: 'auto' | 'json' | 'pretty';
}

/** What a request line shows of a request (Fastify's own choice, with the query scrubbed). */
interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

function requestSerializer(request: LoggedRequest) {
  return {
    method: request.method,
    // Keys sent as ?api_key=… must not reach the log, even when the request is refused.
    url: typeof request.url === 'string' ? scrubUrl(request.url) : request.url,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** The one root logger; everything else is a child of it. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      // Every line, whatever logged it, loses its secrets on its way out (log-secrets.ts).
      hooks: { streamWrite: redactSecrets },
      // Fastify's request serializer is replaced by ours (its own would log the raw URL).
      serializers: { req: requestSerializer },
      base: { service: 'audiobatch' },
    },
    destination(options),
  );
}

/** JSON to the destination, or the same lines prettified on their way to it (in-process). */
function destination(options: LoggerOptions): NodeJS.WritableStream {
  const target = options.destination ?? process.stdout;
  const isTerminal = (target as { isTTY?: boolean }).isTTY === true;
  const format = options.format ?? 'json';
  if (format === 'json' || (format === 'auto' && !isTerminal)) return target;
  return pretty({
    destination: target,
    colorize: isTerminal,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    // Redacted like the JSON: the stream sees lines after their secrets are blanked.
    sync: true,
  });
}
