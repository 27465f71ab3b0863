/**
 * Request URLs are logged, and clients put keys in query strings (`?api_key=…`) even where
 * they are refused, so the values of parameters that usually carry a secret are blanked
 * before a URL is logged. Matching is on the decoded, lower-cased name, ignoring `-` and `_`.
 */
const SECRET_PARAMS = new Set([
  'apikey',
  'key',
  'token',
  'accesstoken',
  'authtoken',
  'idtoken',
  'refreshtoken',
  'auth',
  'authorization',
  'bearer',
  'xiapikey',
  'secret',
  'clientsecret',
  'password',
  'passwd',
  'signature',
  'sig',
  'xamzsignature',
  'xamzcredential',
  'xamzsecuritytoken',
]);

export const SCRUBBED = '[redacted]';

/** `url` (absolute, or path + query) with every secret-looking query value replaced. */
export function scrubUrl(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return url;
  const hash = url.indexOf('#', query);
  const end = hash === -1 ? url.length : hash;
  const params = url
    .slice(query + 1, end)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      return isSecretName(name) ? `${name}=${SCRUBBED}` : pair;
    });
  return `${url.slice(0, query)}?${params.join('&')}${hash === -1 ? '' : url.slice(hash)}`;
}

function isSecretName(raw: string): boolean {
  let name = raw.replaceAll('+', ' ');
  try {
    name = decodeURIComponent(name);
  } catch {
    // Malformed escapes: judge the raw text.
  }
  return SECRET_PARAMS.has(name.toLowerCase().replace(/[-_\s]/g, ''));
}
