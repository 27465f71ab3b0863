import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear in a log line. Secrets reach log calls through
 * request headers and config objects; redaction is the net under the rule "never log them".
 */
const redactPaths = [
  'req.headers.authorization',
  'req.headers["xi-api-key"]',
  'headers.authorization',
  'headers["xi-api-key"]',
  '*.authorization',
  '*["xi-api-key"]',
  '*.apiKey',
  '*.api_key',
  'ELEVENLABS_API_KEY',
  'API_KEYS',
  'ADMIN_API_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'WEBHOOK_SECRET',
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
}

/** The one root logger; everything else is a child of it. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { service: 'audiobatch' },
    },
    options.destination ?? process.stdout,
  );
}
