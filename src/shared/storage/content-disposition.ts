/**
 * `attachment` with the file name twice: an ASCII fallback for old clients and the exact UTF-8
 * name per RFC 6266 / RFC 5987. Quotes, backslashes, `%` and non-ASCII become `_` in the
 * fallback so the header can never be broken out of.
 */
export function attachmentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
