import { lookup } from 'node:dns';
import { Agent } from 'undici';
import { isBlockedAddress, type UrlPolicy } from '../../shared/net/url-guard.ts';

/**
 * The HTTP agent deliveries go through. The address check runs inside the connection's own DNS
 * lookup, so the address checked is the address connected to: a receiver's DNS cannot pass
 * `checkUrlAllowed` with a public address and then answer the connection with a private one.
 * (Same guard as the input fetcher's; both could share it from src/shared/net.)
 */
export function createWebhookAgent(policy: UrlPolicy, connectTimeoutMs: number): Agent {
  return new Agent({
    connect: {
      timeout: connectTimeoutMs,
      lookup: (hostname, options, callback) => {
        lookup(hostname, { ...options, all: true }, (error, addresses) => {
          if (error) return callback(error, '', 4);
          if (!policy.allowPrivate && addresses.some((a) => isBlockedAddress(a.address)))
            return callback(new Error('webhook host resolves to a refused address'), '', 4);
          const first = addresses[0];
          if (!first) return callback(new Error('webhook host has no address'), '', 4);
          if (options.all) return callback(null, addresses, first.family);
          callback(null, first.address, first.family);
        });
      },
    },
    // One delivery per connection is the common case; do not hold sockets to receivers.
    keepAliveTimeout: 1_000,
  });
}
