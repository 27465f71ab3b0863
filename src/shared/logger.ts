import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { scrubUrl } from './net/scrub-url.ts';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear in a log line. Secrets reach log calls through
 * request headers and config objects; redaction is the net under the rule "never log them".
 */
const redactPaths = [
  'req.headers.authorization',
  'req.headers["xi-api-key"]',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers["x-api-key"]',
  'headers.cookie',
  'headers.authorization',
  'headers["xi-api-key"]',
  '*.authorization',
  '*["xi-api-key"]',
  'apiKey',
  'api_key',
  '*.apiKey',
  '*.api_key',
  'ELEVENLABS_API_KEY',
  'API_KEYS',
  'ADMIN_API_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'WEBHOOK_SECRET',
  'METRICS_AUTH',
  '*.METRICS_AUTH',
  // Every account's api_key is inside: the whole list is blanked, as API_KEYS is.
  'UPSTREAM_ACCOUNTS',
  '*.UPSTREAM_ACCOUNTS',
  '*.ELEVENLABS_API_KEY',
  '*.API_KEYS',
  '*.ADMIN_API_KEY',
  '*.AWS_SECRET_ACCESS_KEY',
  '*.secretAccessKey',
  '*.secret',
];

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
      redact: { paths: redactPaths, censor: '[redacted]' },
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
    // Redacted like the JSON: the stream sees lines after pino has blanked the secrets.
    sync: true,
  });
}
