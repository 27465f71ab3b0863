import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * Tenants and their API keys, as `API_KEYS` configures them. A tenant owns everything its keys
 * create (uploads, jobs, batches, cache entries), so a tenant with several keys can rotate one
 * without orphaning anything. A bare key (no `tenant:`) is its own tenant, named by a digest of
 * the key exactly as before tenants existed, so records it created stay reachable.
 */

/** Letters, digits, `_`, `.` and `-`: safe in Redis keys, storage keys and config lists. */
export const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Owner ids the service uses itself: a tenant may not take them. */
export const RESERVED_TENANTS: readonly string[] = ['local', 'admin'];

export const apiKeyEntrySchema = z.object({ tenant: z.string(), key: z.string() });
/** One configured key and the tenant it acts for. */
export type ApiKeyEntry = z.infer<typeof apiKeyEntrySchema>;

/**
 * The owner id of a bare key: `key_` and 16 hex digits of its sha256, so records and Redis keys
 * never hold the key itself. Unchanged since before tenants: existing records keep their owner.
 */
export function ownerOfKey(key: string): string {
  return `key_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/**
 * One `API_KEYS` item: `tenant:key`, or a bare key. An item whose part before the first colon
 * is not a valid tenant name is a bare key with a colon in it (as such keys were taken before).
 */
export function parseApiKeyItem(item: string): ApiKeyEntry {
  const colon = item.indexOf(':');
  const tenant = colon > 0 ? item.slice(0, colon) : '';
  if (colon > 0 && TENANT_NAME.test(tenant) && colon < item.length - 1) {
    return { tenant, key: item.slice(colon + 1) };
  }
  return { tenant: ownerOfKey(item), key: item };
}

/** Config problems of a parsed key list: reserved tenant names, a key given twice. */
export function apiKeyProblems(entries: readonly ApiKeyEntry[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const { tenant, key } of entries) {
    if (RESERVED_TENANTS.includes(tenant)) problems.push(`tenant name "${tenant}" is reserved`);
    const other = seen.get(key);
    // Never echo the key: name the tenants only.
    if (other !== undefined) problems.push(`one key is listed twice (tenants ${other}, ${tenant})`);
    seen.set(key, tenant);
  }
  return problems;
}

/** The distinct tenants of a key list, in order of first appearance. */
export function tenantsOf(entries: readonly ApiKeyEntry[]): string[] {
  return [...new Set(entries.map((entry) => entry.tenant))];
}
