import type { HostResolver, ResolvedAddress } from '../../src/shared/net/host-resolver.ts';
import { systemResolver } from '../../src/shared/net/host-resolver.ts';

/**
 * Host names with fixed answers, for tests of the URL guard on a machine without DNS. Names in
 * the table answer from it; any other goes to the system resolver (so `localhost` is real, and
 * an unknown name fails as it would in production).
 */
export const TEST_HOSTS: Record<string, string[]> = {
  'example.com': ['93.184.215.14'],
  'hooks.example.com': ['93.184.215.14'],
  'public.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'loopback.example': ['127.0.0.1'],
  'mixed.example': ['93.184.215.14', '10.0.0.7'],
  'mapped.example': ['::ffff:127.0.0.1'],
  'sixtofour.example': ['2002:7f00:1::1'],
  'metadata.example': ['169.254.169.254'],
};

export function tableResolver(table: Record<string, string[]> = TEST_HOSTS): HostResolver {
  return async (hostname) => {
    const answer = table[hostname.toLowerCase()];
    if (!answer) return systemResolver(hostname);
    return answer.map((address): ResolvedAddress => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }));
  };
}
