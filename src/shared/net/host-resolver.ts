import { lookup } from 'node:dns/promises';

/** One resolved address, as `dns.lookup` gives it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/**
 * Resolves a host name to every address it has. The one seam for DNS: the system resolver in
 * the service, a fixed table overlay in tests (which have no network to resolve names on).
 */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** How long a lookup may take before the name counts as unresolvable for now, ms. */
const LOOKUP_TIMEOUT_MS = 5_000;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), bounded in time. */
export const systemResolver: HostResolver = async (hostname) => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(Object.assign(new Error(`lookup of ${hostname} timed out`), { code: 'EAI_AGAIN' }));
    }, LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([lookup(hostname, { all: true, verbatim: true }), timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/** DNS error codes that mean "this name has no address" (not "try again later"). */
const NO_SUCH_NAME = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

/** True when a resolver error says the name does not exist; false for transient failures. */
export function isNoSuchName(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NO_SUCH_NAME.has(code);
}
