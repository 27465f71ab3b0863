import { TENANT_NAME } from './tenant-keys.ts';

/**
 * Tenants' weights in the fair share of an account (queue/fair-share.ts):
 * `TENANT_WEIGHTS=alpha:3,beta:1` gives alpha three jobs for each of beta's while both have work
 * queued. A tenant not listed weighs 1.
 */

/** `TENANT_WEIGHTS` parsed: tenant → weight. */
export type TenantWeightMap = ReadonlyMap<string, number>;

/** Heaviest weight: beyond it a tenant's share would be all of the account anyway. */
export const MAX_TENANT_WEIGHT = 1_000;

/** One `TENANT_WEIGHTS` item, `tenant:weight`, or a problem naming what is wrong. */
export function parseTenantWeight(item: string): { tenant: string; weight: number } | string {
  const colon = item.lastIndexOf(':');
  const tenant = colon > 0 ? item.slice(0, colon) : '';
  if (!TENANT_NAME.test(tenant)) return `"${item}" must be tenant:weight (tenant name invalid)`;
  const text = item.slice(colon + 1).trim();
  const weight = Number(text);
  if (text === '' || !Number.isFinite(weight) || weight <= 0 || weight > MAX_TENANT_WEIGHT)
    return `tenant ${tenant}: weight "${text}" must be a number above 0, at most ${MAX_TENANT_WEIGHT}`;
  return { tenant, weight };
}
