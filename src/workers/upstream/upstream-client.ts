import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import {
  classifyUpstreamFailure,
  isRetryableNetworkError,
  parseRetryAfter,
} from '../retry-policy.ts';
import { parseErrorBody } from './parse-error-body.ts';
import { UpstreamError } from './upstream-error.ts';

/** Response headers worth keeping per call (upstream.md); the rest are dropped. */
export const KEPT_HEADERS = [
  'request-id',
  'character-cost',
  'x-character-count',
  'song-id',
  'history-item-id',
  'current-concurrent-requests',
  'maximum-concurrent-requests',
  'x-trace-id',
  'x-region',
  'content-type',
  'content-length',
] as const;

export interface UpstreamCall {
  path: string;
  query?: Record<string, string | undefined>;
  body: { contentType: string; contentLength?: number; body: Readable | string };
  accept?: string;
  signal: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: Partial<Record<(typeof KEPT_HEADERS)[number], string>>;
  contentLength: number | null;
  body: Readable;
}

export interface UpstreamClient {
  /** Resolves on a 2xx with the body unread; throws UpstreamError for anything else. */
  call(call: UpstreamCall): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

export interface UpstreamClientOptions {
  baseUrl: string;
  apiKey: string;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyIdleTimeoutMs: number;
}

/** The undici client: one Agent (keep-alive pool) for every call of the process. */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const agent = new Agent({
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyIdleTimeoutMs,
    keepAliveTimeout: 30_000,
  });

  async function call(upstreamCall: UpstreamCall): Promise<UpstreamResponse> {
    const url = new URL(upstreamCall.path, options.baseUrl);
    for (const [name, value] of Object.entries(upstreamCall.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'POST',
        dispatcher: agent,
        signal: upstreamCall.signal,
        headers: {
          'xi-api-key': options.apiKey,
          'content-type': upstreamCall.body.contentType,
          ...(upstreamCall.body.contentLength !== undefined && {
            'content-length': String(upstreamCall.body.contentLength),
          }),
          accept: upstreamCall.accept ?? '*/*',
        },
        body: upstreamCall.body.body,
      });
    } catch (error) {
      throw toNetworkError(error, upstreamCall.signal);
    }
    const headers = keptHeaders(response.headers);
    if (response.statusCode >= 200 && response.statusCode < 300) {
      const length = headers['content-length'];
      return {
        status: response.statusCode,
        headers,
        contentLength: length === undefined ? null : Number(length),
        body: response.body,
      };
    }
    throw await toUpstreamError(response, headers);
  }

  return { call, close: () => agent.close() };
}

async function toUpstreamError(
  response: Dispatcher.ResponseData,
  headers: UpstreamResponse['headers'],
): Promise<UpstreamError> {
  const text = await readCapped(response.body, 64 * 1024).catch(() => '');
  const parsed = parseErrorBody(text);
  return new UpstreamError({
    kind: classifyUpstreamFailure(response.statusCode, parsed.codes),
    status: response.statusCode,
    upstreamCode: parsed.codes[0] ?? null,
    message: parsed.message,
    suggestion: parsed.suggestion,
    retryAfterMs: parseRetryAfter(headerValue(response.headers['retry-after'])),
    requestId: headers['request-id'] ?? null,
    headers,
  });
}

/** Aborts by our own signal stay aborts (cancel, timeout); other failures become retryable. */
export function toNetworkError(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason ?? error;
  if (error instanceof UpstreamError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamError({
    kind: isRetryableNetworkError(error) ? 'retryable' : 'fatal',
    status: null,
    upstreamCode: (error as { code?: string } | null)?.code ?? 'network_error',
    message: `upstream call failed: ${message}`,
    cause: error,
  });
}

function keptHeaders(raw: Dispatcher.ResponseData['headers']): UpstreamResponse['headers'] {
  const kept: UpstreamResponse['headers'] = {};
  for (const name of KEPT_HEADERS) {
    const value = headerValue(raw[name]);
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readCapped(body: Readable, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    if (size < maxBytes) chunks.push(buffer.subarray(0, maxBytes - size));
    size += buffer.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}
