import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { BadRequestError } from '../errors.ts';

/**
 * Input and webhook URLs are fetched by our own processes, so a URL naming an internal address
 * would let a caller reach what only we can reach (SSRF). Refused unless configured otherwise:
 * schemes other than https, and loopback, private, link-local, CGNAT, multicast, unspecified and
 * cloud metadata addresses, both as literals and after DNS resolution (checked again on every
 * redirect by the fetcher).
 */

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::ffff:0:0', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

export interface UrlPolicy {
  /** Allow http: and internal addresses (local development and tests). */
  allowPrivate: boolean;
}

/** True for addresses a fetch of ours must never reach by default. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** Syntactic checks (scheme, literal address); `field` names the offending request field. */
export function checkUrlSyntax(raw: string, policy: UrlPolicy, field: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadRequestError(
      'Invalid URL.',
      [{ field, message: 'is not a valid URL' }],
      'invalid_url',
    );
  }
  const allowedSchemes = policy.allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!allowedSchemes.includes(url.protocol)) {
    throw refused(field, `must use ${allowedSchemes.join(' or ')}`);
  }
  if (url.username || url.password) throw refused(field, 'must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (
    !policy.allowPrivate &&
    (host === 'localhost' || (isIP(host) !== 0 && isBlockedAddress(host)))
  ) {
    throw refused(field, 'points at a private, loopback or link-local address');
  }
  return url;
}

/** Full check: syntax, then every address the host name resolves to. */
export async function checkUrlAllowed(raw: string, policy: UrlPolicy, field: string): Promise<URL> {
  const url = checkUrlSyntax(raw, policy, field);
  if (policy.allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true });
  if (addresses.length === 0 || addresses.some(({ address }) => isBlockedAddress(address))) {
    throw refused(field, 'resolves to a private, loopback or link-local address');
  }
  return url;
}

function refused(field: string, message: string): BadRequestError {
  return new BadRequestError(`URL refused: ${message}.`, [{ field, message }], 'url_not_allowed');
}
