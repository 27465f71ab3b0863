import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { AppError } from '../../shared/errors.ts';
import { createGuardedLookup } from '../../shared/net/guarded-lookup.ts';
import { isNoSuchName, type HostResolver } from '../../shared/net/host-resolver.ts';
import { checkUrlSyntax, UrlRefusedError, type UrlPolicy } from '../../shared/net/url-guard.ts';

const MAX_REDIRECTS = 5;

/**
 * Fetches a caller's input URL. The address check runs inside the connection's own DNS lookup
 * (createGuardedLookup), so the address checked is the address connected to (no rebinding
 * between the intake's check and this connection), and every redirect hop is checked again.
 * Failures become job errors that say what happened to the input URL: a host that does not
 * resolve or is refused fails the job; a connection that failed may pass on a retry.
 */
export function createInputFetcher(policy: UrlPolicy, timeoutMs: number, resolve?: HostResolver) {
  const agent = new Agent({
    connect: { timeout: 10_000, lookup: createGuardedLookup(policy, 'input.url', resolve) },
  });

  async function fetchInput(
    raw: string,
    signal: AbortSignal,
  ): Promise<{ body: Readable; contentType: string | null }> {
    let url = checkInputUrl(raw, policy);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const response = await request(url, {
        method: 'GET',
        dispatcher: agent,
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      }).catch((error: unknown) => {
        throw inputFetchError(error, url);
      });
      const location = response.headers['location'];
      if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
        response.body.destroy();
        url = checkInputUrl(new URL(location, url).toString(), policy);
        continue;
      }
      if (response.statusCode !== 200) {
        response.body.destroy();
        throw new AppError(
          'input_fetch_failed',
          `input URL answered HTTP ${response.statusCode}`,
          422,
        );
      }
      const type = response.headers['content-type'];
      return { body: response.body, contentType: typeof type === 'string' ? type : null };
    }
    throw new AppError('input_fetch_failed', 'input URL redirected too many times', 422);
  }

  return { fetchInput, close: () => agent.close() };
}
export type InputFetcher = ReturnType<typeof createInputFetcher>;

function checkInputUrl(raw: string, policy: UrlPolicy): URL {
  try {
    return checkUrlSyntax(raw, policy, 'input.url');
  } catch (error) {
    throw inputFetchError(error, null);
  }
}

/**
 * What a failed input fetch means for the job. Refused or unresolvable: fail now (another
 * attempt gets the same answer). Anything else on the way (refused connection, reset, timeout,
 * a resolver that could not answer): retry with backoff.
 */
export function inputFetchError(error: unknown, url: URL | null): unknown {
  if (error instanceof AppError && error.code === 'input_fetch_failed') return error;
  if (error instanceof UrlRefusedError) {
    return new AppError(
      'input_url_not_allowed',
      `the input URL was refused: ${error.message}`,
      422,
      {
        cause: error,
      },
    );
  }
  const cause = rootCause(error);
  if (isNoSuchName(cause)) {
    return new AppError(
      'input_url_unresolvable',
      `the input URL's host ${url?.hostname ?? ''} does not resolve`,
      422,
      { cause: error },
    );
  }
  if (error instanceof DOMException || (error instanceof Error && error.name === 'AbortError'))
    return error; // a timeout or cancel: the processor knows those
  const code = (cause as { code?: unknown } | null)?.code;
  const what = typeof code === 'string' ? code : cause instanceof Error ? cause.message : 'error';
  return new AppError('input_fetch_failed', `the input URL could not be fetched: ${what}`, 502, {
    retryable: true,
    cause: error,
  });
}

function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 4 && current instanceof Error && current.cause !== undefined; depth++)
    current = current.cause;
  return current instanceof UrlRefusedError || isNoSuchName(current) ? current : error;
}
