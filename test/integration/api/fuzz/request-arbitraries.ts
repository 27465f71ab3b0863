import fc from 'fast-check';
import { testAudio } from '../../../support/audio-bytes.ts';

/**
 * Generated requests for the intake's fuzz test: every route, with bodies, content types,
 * headers, multipart framing, JSON depth, unicode and numbers at their edges. Most are wrong in
 * one way or another; some are valid, so the routes' success paths run between the refusals.
 */

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  payload?: string | Buffer;
}

/** Ids the generator may use in paths: real ones (finished, so nothing waits) and others. */
export interface KnownIds {
  job: string;
  batch: string;
  upload: string;
}

/** encodeURIComponent for any text: lone surrogates (which it refuses) become U+FFFD. */
function encodeText(value: string): string {
  return encodeURIComponent(
    value.replace(/[\ud800-\udfff]/g, (c, i: number, all: string) => {
      const code = c.charCodeAt(0);
      const pairedHigh = code < 0xdc00 && /[\udc00-\udfff]/.test(all[i + 1] ?? '');
      const pairedLow = code >= 0xdc00 && /[\ud800-\udbff]/.test(all[i - 1] ?? '');
      return pairedHigh || pairedLow ? c : '\ufffd';
    }),
  );
}

const ROUTES: [string, string][] = [
  ['POST', '/v1/uploads'],
  ['POST', '/v1/jobs'],
  ['GET', '/v1/jobs'],
  ['GET', '/v1/jobs/{job}'],
  ['POST', '/v1/jobs/{job}/cancel'],
  ['POST', '/v1/jobs/{job}/retry'],
  ['GET', '/v1/jobs/{job}/outputs/{name}'],
  ['POST', '/v1/batches'],
  ['GET', '/v1/batches'],
  ['GET', '/v1/batches/{batch}'],
  ['GET', '/v1/batches/{batch}/jobs'],
  ['GET', '/v1/batches/{batch}/results'],
  ['POST', '/v1/batches/{batch}/cancel'],
  ['POST', '/v1/batches/{batch}/retry'],
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/metrics'],
  ['GET', '/openapi.json'],
  ['GET', '/docs'],
  ['GET', '/v1/admin/queues'],
  ['POST', '/v1/admin/queues/speech/resume'],
  ['GET', '/v1/nowhere'],
];
export const ROUTE_COUNT = ROUTES.length;

/** Any text, lone surrogates, control characters and path tricks included. */
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      '\u0000',
      '\ud800',
      '\udfff',
      '../../etc/passwd',
      '%00',
      '😀',
      ' ',
      'a\r\nb',
    ),
  },
  // Past every length limit (the JSON body limit is 1 MiB): rare, they cost the most.
  { weight: 1, arbitrary: fc.nat({ max: 70_000 }).map((n) => 'x'.repeat(n)) },
);

const edgeNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    -1,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53,
    2 ** 53 + 2,
    1e308,
    5e-324,
    0.5,
  ),
);

/** Number spellings JSON.stringify cannot make: overflow, NaN, hex, leading zeros. */
const numberText = fc.constantFrom(
  '1e309',
  '-1e309',
  'NaN',
  'Infinity',
  '0x10',
  '00',
  '-0',
  '1e-400',
  '1' + '0'.repeat(400),
);

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  text,
  edgeNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 4 }),
);

/** Valid requests of every type, to mutate. */
function baseRequests(ids: KnownIds): Record<string, unknown>[] {
  return [
    {
      type: 'speech_to_speech',
      params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb' },
      input: { upload_id: ids.upload },
    },
    {
      type: 'speech_to_speech',
      params: { voice_id: 'v' },
      input: { url: 'https://example.com/a.wav' },
    },
    {
      type: 'text_to_dialogue',
      params: { inputs: [{ text: 'Hello.', voice_id: 'JBFqnCBsd6RMkjVDRZzb' }] },
    },
    { type: 'music', params: { prompt: 'calm piano', music_length_ms: 10_000 } },
    { type: 'music_plan', params: { prompt: 'epic orchestral' } },
    { type: 'stem_separation', params: {}, input: { upload_id: ids.upload } },
  ];
}

const TOP_KEYS = [
  'type',
  'params',
  'input',
  'options',
  'custom_id',
  'metadata',
  'webhook',
  'cache',
  'extra',
  '__proto__',
  'constructor',
];
const PARAM_KEYS = [
  'voice_id',
  'model_id',
  'seed',
  'output_format',
  'file_format',
  'voice_settings',
  'prompt',
  'music_length_ms',
  'inputs',
  'composition_plan',
  'stem_variation_id',
  'enable_logging',
  'optimize_streaming_latency',
  'language_code',
  'force_instrumental',
];

function jobRequest(ids: KnownIds): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(
      fc.constantFrom(...baseRequests(ids)),
      fc.dictionary(fc.constantFrom(...TOP_KEYS), anyValue, { maxKeys: 2 }),
      fc.dictionary(fc.constantFrom(...PARAM_KEYS), anyValue, { maxKeys: 2 }),
      fc.option(fc.dictionary(text, anyValue, { maxKeys: 3 }), { nil: undefined }),
    )
    .map(([base, top, params, metadata]) => {
      const request: Record<string, unknown> = { ...base, ...top };
      if (
        typeof request.params === 'object' &&
        request.params !== null &&
        !Array.isArray(request.params)
      )
        request.params = { ...request.params, ...params };
      if (metadata !== undefined) request.metadata = metadata;
      return request;
    });
}

/** JSON bodies: mutated requests, batches, any JSON, deep nesting, and broken text. */
function jsonBody(ids: KnownIds): fc.Arbitrary<string> {
  const request = jobRequest(ids);
  return fc.oneof(
    request.map((r) => JSON.stringify(r)),
    fc.array(request, { maxLength: 4 }).chain((items) =>
      fc
        .record({
          defaults: fc.option(anyValue, { nil: undefined }),
          seed: fc.option(edgeNumber, { nil: undefined }),
        })
        .map((extra) => JSON.stringify({ items, ...extra })),
    ),
    fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
    fc.integer({ min: 1, max: 20_000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
    fc
      .integer({ min: 1, max: 5_000 })
      .map(
        (d) =>
          `{"type":"music_plan","params":{"prompt":"x"},"metadata":{"a":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}}`,
      ),
    numberText.map((n) => `{"type":"music","params":{"prompt":"x","music_length_ms":${n}}}`),
    numberText.map(
      (n) =>
        `{"type":"speech_to_speech","params":{"voice_id":"v","seed":${n}},"input":{"upload_id":"${ids.upload}"}}`,
    ),
    text,
  );
}

interface PartSpec {
  name: string;
  filename: string | null;
  type: string | null;
  data: Buffer;
}

function partData(ids: KnownIds): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.constant(testAudio(600, 3)),
    jsonBody(ids).map((t) => Buffer.from(t)),
    fc.uint8Array({ maxLength: 3_000 }).map((a) => Buffer.from(a)),
    text.map((t) => Buffer.from(t)),
  );
}

/** A multipart body, framed right or wrong. */
function multipart(ids: KnownIds): fc.Arbitrary<{ type: string; body: Buffer }> {
  const part = fc.record({
    name: fc.oneof(fc.constantFrom('file', 'audio', 'request', 'other'), text),
    filename: fc.option(fc.constantFrom('a.wav', '../x', 'a"b', ''), { nil: null }),
    type: fc.option(
      fc.constantFrom('audio/wav', 'application/json', 'audio/pcm', 'text/plain', 'x'),
      { nil: null },
    ),
    data: partData(ids),
  });
  const framing = fc.constantFrom(
    'ok',
    'truncated',
    'no-end',
    'no-boundary-param',
    'wrong-boundary',
    'lf-only',
    'quoted',
  );
  return fc
    .tuple(fc.array(part, { maxLength: 4 }), framing, fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([parts, frame, cut]) => encodeMultipart(parts, frame, cut));
}

function encodeMultipart(
  parts: PartSpec[],
  frame: string,
  cut: number,
): { type: string; body: Buffer } {
  const boundary = 'fuzzBoundary7MA4YWxk';
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name.replace(/[\r\n"]/g, '_')}"${part.filename === null ? '' : `; filename="${part.filename}"`}`;
    const headers = `Content-Disposition: ${disposition}\r\n${part.type ? `Content-Type: ${part.type}\r\n` : ''}`;
    chunks.push(Buffer.from(`--${boundary}\r\n${headers}\r\n`), part.data, Buffer.from('\r\n'));
  }
  if (frame !== 'no-end') chunks.push(Buffer.from(`--${boundary}--\r\n`));
  let body = Buffer.concat(chunks);
  if (frame === 'truncated') body = body.subarray(0, Math.floor(body.length * cut));
  if (frame === 'lf-only')
    body = Buffer.from(body.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');
  const type =
    frame === 'no-boundary-param'
      ? 'multipart/form-data'
      : frame === 'wrong-boundary'
        ? 'multipart/form-data; boundary=other'
        : frame === 'quoted'
          ? `multipart/form-data; boundary="${boundary}`
          : `multipart/form-data; boundary=${boundary}`;
  return { type, body };
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/x-ndjson',
  'text/plain',
  'text/html',
  'audio/wav',
  'audio/pcm',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  '*/*',
  'garbage',
  '',
];

/** A body and its content type, from every family. */
function body(
  ids: KnownIds,
): fc.Arbitrary<{ type: string | null; payload: Buffer | string | undefined }> {
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...CONTENT_TYPES), jsonBody(ids))
      .map(([type, payload]) => ({ type, payload })),
    fc
      .tuple(fc.constantFrom('application/json', 'application/json; charset=utf-8'), jsonBody(ids))
      .map(([type, payload]) => ({ type, payload })),
    multipart(ids).map(({ type, body: payload }) => ({ type, payload })),
    fc
      .array(jsonBody(ids), { maxLength: 5 })
      .map((lines) => ({ type: 'application/x-ndjson', payload: lines.join('\n') })),
    fc
      .tuple(fc.constantFrom(...CONTENT_TYPES), partData(ids))
      .map(([type, payload]) => ({ type, payload })),
    fc.constant({ type: null, payload: undefined }),
  );
}

/** A header value Node will send (printable latin1, no CR/LF). */
const headerText = fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x'));

function pathSegment(known: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(known) },
    fc.constantFrom(
      'job_01jabcdefghjkmnpqrstvwxyz0',
      'bat_01jabcdefghjkmnpqrstvwxyz0',
      '..',
      '%2e%2e',
      'a%00b',
      '%zz',
    ),
    text.map((t) => encodeText(t).slice(0, 300)),
  );
}

function query(): fc.Arbitrary<string> {
  const pair = fc.tuple(
    fc.oneof(
      fc.constantFrom(
        'status',
        'type',
        'limit',
        'cursor',
        'batch_id',
        'dry_run',
        'wait',
        'seed',
        'name',
        'webhook_url',
        'api_key',
      ),
      text,
    ),
    fc.oneof(fc.constantFrom('queued', 'music', '-1', '0', '1e9', 'true', 'x', '101', ''), text),
  );
  return fc.oneof(
    fc.constant(''),
    fc
      .array(pair, { maxLength: 4 })
      .map((pairs) => `?${pairs.map(([k, v]) => `${encodeText(k)}=${encodeText(v)}`).join('&')}`),
    fc.constantFrom(
      '?%zz=1',
      '?a=%',
      '?limit=5&limit=6',
      '?wait=0',
      '?dry_run=true',
      '?name=%ED%A0%80',
    ),
  );
}

/** One request at one route. `key` is a valid tenant key; `adminKey` the admin's. */
export function fuzzRequest(
  ids: KnownIds,
  key: string,
  adminKey: string,
): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      route: fc.constantFrom(...ROUTES),
      method: fc.option(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), {
        freq: 10,
        nil: null,
      }),
      job: pathSegment(ids.job),
      batch: pathSegment(ids.batch),
      name: fc.oneof(
        fc.constant('audio'),
        text.map((t) => encodeText(t).slice(0, 200)),
      ),
      query: query(),
      body: body(ids),
      auth: fc.oneof(
        { weight: 8, arbitrary: fc.constant<string | string[] | null>(`Bearer ${key}`) },
        fc.constant<string | string[] | null>(`Bearer ${adminKey}`),
        fc.constant<string | string[] | null>(null),
        headerText.map((t): string | string[] | null => `Bearer ${t}`),
        fc.constant<string | string[] | null>([`Bearer ${key}`, `Bearer ${key}`]),
        fc.constant<string | string[] | null>(
          `Basic ${Buffer.from(`u:${adminKey}`).toString('base64')}`,
        ),
      ),
      idempotency: fc.option(headerText, { freq: 4, nil: null }),
      extra: fc.dictionary(
        fc.constantFrom(
          'accept',
          'content-encoding',
          'x-forwarded-for',
          'xi-api-key',
          'accept-version',
        ),
        headerText,
        { maxKeys: 2 },
      ),
    })
    .map(({ route: [method, template], ...r }) => {
      const url =
        template.replace('{job}', r.job).replace('{batch}', r.batch).replace('{name}', r.name) +
        r.query;
      const headers: Record<string, string | string[]> = { ...r.extra };
      if (r.auth !== null) headers.authorization = r.auth;
      if (r.idempotency !== null) headers['idempotency-key'] = r.idempotency;
      if (r.body.type !== null) headers['content-type'] = r.body.type;
      return {
        method: r.method ?? method,
        url,
        headers,
        ...(r.body.payload !== undefined && { payload: r.body.payload }),
      };
    });
}
