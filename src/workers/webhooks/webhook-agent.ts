import { Agent } from 'undici';
import { createGuardedLookup } from '../../shared/net/guarded-lookup.ts';
import type { HostResolver } from '../../shared/net/host-resolver.ts';
import type { UrlPolicy } from '../../shared/net/url-guard.ts';

/**
 * The HTTP agent deliveries go through. The address check runs inside the connection's own DNS
 * lookup (the same guard as the input fetcher's), so the address checked is the address
 * connected to: a receiver's DNS cannot pass `checkUrlAllowed` with a public address and then
 * answer the connection with a private one.
 */
export function createWebhookAgent(
  policy: UrlPolicy,
  connectTimeoutMs: number,
  resolve?: HostResolver,
): Agent {
  return new Agent({
    connect: {
      timeout: connectTimeoutMs,
      lookup: createGuardedLookup(policy, 'webhook.url', resolve),
    },
    // One delivery per connection is the common case; do not hold sockets to receivers.
    keepAliveTimeout: 1_000,
  });
}
