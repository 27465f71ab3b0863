import { lookup } from 'node:dns';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { BadRequestError } from '../../shared/errors.ts';
import { checkUrlSyntax, isBlockedAddress, type UrlPolicy } from '../../shared/net/url-guard.ts';

const MAX_REDIRECTS = 5;

/**
 * Fetches a caller's input URL. The address check runs inside the connection's own DNS lookup,
 * so the address checked is the address connected to (no rebinding between check and use), and
 * every redirect hop is checked again.
 */
export function createInputFetcher(policy: UrlPolicy, timeoutMs: number) {
  const agent = new Agent({
    connect: {
      timeout: 10_000,
      lookup: (hostname, options, callback) => {
        lookup(hostname, { ...options, all: true }, (error, addresses) => {
          if (error) return callback(error, '', 4);
          const refused = addresses.find(
            (a) => !policy.allowPrivate && isBlockedAddress(a.address),
          );
          if (refused) {
            return callback(new Error(`input URL host resolves to a refused address`), '', 4);
          }
          const first = addresses[0];
          if (!first) return callback(new Error('no address'), '', 4);
          if (options.all) return callback(null, addresses, first.family);
          callback(null, first.address, first.family);
        });
      },
    },
  });

  async function fetchInput(
    raw: string,
    signal: AbortSignal,
  ): Promise<{ body: Readable; contentType: string | null }> {
    let url = checkUrlSyntax(raw, policy, 'input.url');
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const response = await request(url, {
        method: 'GET',
        dispatcher: agent,
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
      const location = response.headers['location'];
      if (response.statusCode >= 300 && response.statusCode < 400 && typeof location === 'string') {
        response.body.destroy();
        url = checkUrlSyntax(new URL(location, url).toString(), policy, 'input.url');
        continue;
      }
      if (response.statusCode !== 200) {
        response.body.destroy();
        throw new BadRequestError(
          `input URL answered HTTP ${response.statusCode}`,
          [],
          'input_fetch_failed',
        );
      }
      const type = response.headers['content-type'];
      return { body: response.body, contentType: typeof type === 'string' ? type : null };
    }
    throw new BadRequestError('input URL redirected too many times', [], 'input_fetch_failed');
  }

  return { fetchInput, close: () => agent.close() };
}
export type InputFetcher = ReturnType<typeof createInputFetcher>;
