import { AppError, type ErrorDetail } from '../errors.ts';
import { isPublicUnicast } from './address-class.ts';
import { isNoSuchName, systemResolver, type HostResolver } from './host-resolver.ts';

/**
 * Input and webhook URLs are fetched by our own processes, so a URL naming an internal address
 * would let a caller reach what only we can reach (SSRF). Refused unless configured otherwise:
 * schemes other than https, credentials in the URL, and every address that is not public
 * unicast (see address-class.ts), as a literal in any spelling the URL parser accepts and after
 * DNS resolution: at intake (so the caller hears of it at once), and again inside the
 * connection's own lookup when fetching (so the address checked is the address connected to).
 */

export interface UrlPolicy {
  /** Allow http: and internal addresses (local development and tests). */
  allowPrivate: boolean;
}

/** A URL the policy refuses (`url_not_allowed`) or whose host has no address (`url_unresolvable`). */
export class UrlRefusedError extends AppError {
  constructor(
    code: 'url_not_allowed' | 'url_unresolvable' | 'invalid_url',
    field: string,
    message: string,
  ) {
    super(code, `URL refused: ${field} ${message}.`, 422, {
      details: [{ field, message, code }],
    });
  }
}

/** True for addresses a fetch of ours must never reach by default. */
export function isBlockedAddress(address: string): boolean {
  return !isPublicUnicast(address);
}

/** Syntactic checks (scheme, credentials, literal address); `field` names the request field. */
export function checkUrlSyntax(raw: string, policy: UrlPolicy, field: string): URL {
  let url: URL;
  try {
    // WHATWG parsing turns 2130706433, 0x7f.1 and 127.1 into 127.0.0.1 for http(s) URLs.
    url = new URL(raw);
  } catch {
    throw new UrlRefusedError('invalid_url', field, 'is not a valid URL');
  }
  const allowedSchemes = policy.allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!allowedSchemes.includes(url.protocol)) {
    throw new UrlRefusedError('url_not_allowed', field, `must use ${allowedSchemes.join(' or ')}`);
  }
  if (url.username || url.password)
    throw new UrlRefusedError('url_not_allowed', field, 'must not carry credentials');
  if (!policy.allowPrivate && isLiteral(url.hostname) && !isPublicUnicast(url.hostname))
    throw notPublic(field, 'points at');
  if (!policy.allowPrivate && isLocalName(url.hostname)) throw notPublic(field, 'points at');
  return url;
}

/**
 * Full check: syntax, then every address the host resolves to must be public. A host with no
 * address is `url_unresolvable`; a resolver that cannot answer now throws its own error (the
 * caller decides: the intake answers 503, a fetch retries).
 */
export async function checkUrlAllowed(
  raw: string,
  policy: UrlPolicy,
  field: string,
  resolve: HostResolver = systemResolver,
): Promise<URL> {
  const url = checkUrlSyntax(raw, policy, field);
  if (policy.allowPrivate || isLiteral(url.hostname)) return url;
  let addresses;
  try {
    addresses = await resolve(url.hostname);
  } catch (error) {
    if (isNoSuchName(error)) throw unresolvable(field, url.hostname);
    throw error;
  }
  if (addresses.length === 0) throw unresolvable(field, url.hostname);
  if (addresses.some(({ address }) => !isPublicUnicast(address)))
    throw notPublic(field, 'resolves to');
  return url;
}

/** The problems of a URL as error details (empty when allowed); other errors are rethrown. */
export async function urlProblems(
  raw: string,
  policy: UrlPolicy,
  field: string,
  resolve?: HostResolver,
): Promise<ErrorDetail[]> {
  try {
    await checkUrlAllowed(raw, policy, field, resolve);
    return [];
  } catch (error) {
    if (error instanceof UrlRefusedError) return error.details;
    throw error;
  }
}

function isLiteral(hostname: string): boolean {
  return hostname.startsWith('[') || /^[\d.]+$/.test(hostname);
}

/** Names that mean this machine whatever DNS says (RFC 6761), refused without a lookup. */
function isLocalName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

function notPublic(field: string, verb: string): UrlRefusedError {
  return new UrlRefusedError(
    'url_not_allowed',
    field,
    `${verb} an address that is not public (loopback, private, link-local, reserved or an IPv4-in-IPv6 form)`,
  );
}

function unresolvable(field: string, host: string): UrlRefusedError {
  return new UrlRefusedError(
    'url_unresolvable',
    field,
    `names host ${host}, which does not resolve`,
  );
}
