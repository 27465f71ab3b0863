import { createRequire } from 'node:module';
import type * as IpAddr from 'ipaddr.js';

// ipaddr.js is CommonJS without named exports Node can detect; its types are a namespace.
const ipaddr = createRequire(import.meta.url)('ipaddr.js') as typeof IpAddr;

/**
 * Which addresses our own fetches (input URLs, webhooks) may reach: public unicast only.
 * ipaddr.js names the special ranges (loopback, private, link-local, CGNAT, multicast,
 * reserved, documentation, 6to4, Teredo, NAT64, IPv4-mapped, ORCHID, …); an IPv6 address
 * must also be global unicast (2000::/3), which shuts out IPv4-compatible `::a.b.c.d`
 * (`::/96`) and whatever else ipaddr.js has no name for. An IPv4 address in IPv6 clothing is
 * never judged by its IPv4 part: such forms are refused outright.
 */

const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/** True for an IP literal that is public unicast; false for anything else (names included). */
export function isPublicUnicast(address: string): boolean {
  const literal = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // isValidFourPartDecimal: only a.b.c.d, so `2130706433` or `0x7f.1` are not taken as
  // literals here (URL parsing has already turned those into a.b.c.d for http(s)).
  if (ipaddr.IPv4.isValidFourPartDecimal(literal)) {
    return ipaddr.IPv4.parse(literal).range() === 'unicast';
  }
  if (!ipaddr.IPv6.isValid(literal)) return false;
  const v6 = ipaddr.IPv6.parse(literal);
  return v6.match(GLOBAL_UNICAST) && v6.range() === 'unicast';
}
