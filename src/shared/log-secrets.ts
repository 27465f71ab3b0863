/**
 * Field names whose values never reach a log line, at any depth, in any letter case: request
 * headers that carry keys, the settings that hold secrets, and the credentials inside account
 * and storage options. Secrets reach log calls through headers and config objects; blanking
 * them here is the net under the rule "never log them".
 */
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'xi-api-key',
  'x-api-key',
  'apiKey',
  'api_key',
  'ELEVENLABS_API_KEY',
  'API_KEYS',
  'ADMIN_API_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'secretAccessKey',
  'WEBHOOK_SECRET',
  'secret',
  'METRICS_AUTH',
  // Every account's api_key is inside: the whole list is blanked, as API_KEYS is.
  'UPSTREAM_ACCOUNTS',
];

export const REDACTED = '[redacted]';

const SECRET_NAMES = new Set(SECRET_FIELDS.map((name) => name.toLowerCase()));
/** A secret field's name as a key, anywhere in a JSON line. */
const SECRET_KEY = new RegExp(`"(?:${SECRET_FIELDS.join('|')})":`, 'i');

/**
 * A JSON log line with the value of every secret field, at any depth, replaced by
 * `[redacted]`. Most lines hold no such field, and one scan of the text says so; a line that
 * does is parsed, blanked and written again. pino's own `redact` works per path and per
 * top-level key, and with wildcard paths for every depth this list needs it cost ~20 µs on
 * every line: a tenth of the intake's CPU serving `GET /v1/jobs/{id}` (issue 10, B6).
 */
export function redactSecrets(line: string): string {
  if (!SECRET_KEY.test(line)) return line;
  try {
    return `${JSON.stringify(blank(JSON.parse(line)))}\n`;
  } catch {
    return `{"msg":"a log line that held a secret could not be read to blank it, and was dropped"}\n`;
  }
}

function blank(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(blank);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      SECRET_NAMES.has(key.toLowerCase()) ? REDACTED : blank(inner),
    ]),
  );
}
