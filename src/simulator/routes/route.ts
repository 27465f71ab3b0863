import type { IncomingMessage } from 'node:http';
import type { ConcurrencyClass, SimulatorConfig } from '../config.ts';

/** What a route handler gets for one request. */
export interface RouteContext {
  req: IncomingMessage;
  /** Path parameters by template name, URL-decoded. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  requestId: string;
  /** The config as of the request's arrival. */
  config: SimulatorConfig;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

/** A successful upstream response, before latency and faults are applied. */
export interface RouteSuccess {
  body: Buffer;
  contentType: string;
  /** Sent with Transfer-Encoding: chunked in several writes (the /stream endpoints). */
  streamed: boolean;
  /** Seconds of audio generated: drives `latencyPerAudioSecondMs`. */
  outputSeconds: number;
  /**
   * Credits charged: the `character-cost` and `x-character-count` headers, with a
   * `history-item-id`. Null on free endpoints (the music plan), which send none of them.
   */
  characterCost: number | null;
  /** Endpoint-specific headers (e.g. `song-id`). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * One upstream endpoint. Handlers validate and produce the response; auth, concurrency,
 * faults, latency and sending are the pipeline's. Errors are thrown as UpstreamHttpError.
 */
export interface UpstreamRoute {
  method: 'POST';
  /** Path with `{name}` segments, e.g. `/v1/speech-to-speech/{voice_id}`; also the counter key. */
  template: string;
  concurrencyClass: ConcurrencyClass;
  handle(context: RouteContext): Promise<RouteSuccess>;
}

/** Path parameters if `pathname` fits `template` (one segment per `{name}`), else null. */
export function matchTemplate(template: string, pathname: string): Record<string, string> | null {
  const expected = template.split('/');
  const actual = pathname.split('/');
  if (expected.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (const [index, segment] of expected.entries()) {
    const value = actual[index] ?? '';
    if (segment.startsWith('{') && segment.endsWith('}')) {
      if (value === '') return null;
      try {
        params[segment.slice(1, -1)] = decodeURIComponent(value);
      } catch {
        return null; // malformed percent-encoding cannot name a resource
      }
    } else if (segment !== value) return null;
  }
  return params;
}
