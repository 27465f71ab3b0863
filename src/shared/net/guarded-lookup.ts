import type { LookupAddress, LookupOptions } from 'node:dns';
import { isPublicUnicast } from './address-class.ts';
import { systemResolver, type HostResolver } from './host-resolver.ts';
import { UrlRefusedError, type UrlPolicy } from './url-guard.ts';

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * The `connect.lookup` of our fetching agents (input URLs, webhooks): it resolves the host,
 * refuses the connection if any address is not public, and hands the connection exactly the
 * addresses it checked. So a DNS answer that changes between an earlier check and the
 * connection (rebinding) is checked again, and nothing but the checked address is dialled.
 */
export function createGuardedLookup(
  policy: UrlPolicy,
  field: string,
  resolve: HostResolver = systemResolver,
) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then(
      (addresses) => {
        if (!policy.allowPrivate && addresses.some(({ address }) => !isPublicUnicast(address))) {
          const error = new UrlRefusedError(
            'url_not_allowed',
            field,
            `host ${hostname} resolves to an address that is not public`,
          );
          return callback(error, '', 4);
        }
        const wanted = options.family
          ? addresses.filter((a) => a.family === options.family)
          : addresses;
        const first = wanted[0];
        if (!first) {
          const error = Object.assign(new Error(`host ${hostname} has no address`), {
            code: 'ENOTFOUND',
          });
          return callback(error, '', 4);
        }
        if (options.all) return callback(null, wanted, first.family);
        callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };
}
