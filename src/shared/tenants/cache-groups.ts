import { TENANT_NAME } from './tenant-keys.ts';

/**
 * Cache scopes. Every tenant has its own result cache; a deployment may let tenants share one
 * by naming a group (`CACHE_GROUPS=studio:alpha+beta`), e.g. two teams of one customer. The
 * scope is fixed on the job at intake, so a change of groups never moves a job already queued.
 */

/** `CACHE_GROUPS` parsed: group name → its tenants. */
export type CacheGroups = ReadonlyMap<string, readonly string[]>;

/** One `CACHE_GROUPS` item, `group:tenantA+tenantB`, or a problem naming what is wrong. */
export function parseCacheGroup(item: string): { name: string; tenants: string[] } | string {
  const colon = item.indexOf(':');
  const name = colon > 0 ? item.slice(0, colon) : '';
  if (!TENANT_NAME.test(name)) return `"${item}" must be group:tenant+tenant (group name invalid)`;
  const tenants = item
    .slice(colon + 1)
    .split('+')
    .map((tenant) => tenant.trim());
  const bad = tenants.find((tenant) => !TENANT_NAME.test(tenant));
  if (bad !== undefined) return `group ${name}: "${bad}" is not a tenant name`;
  if (tenants.length < 2) return `group ${name} must name at least two tenants`;
  return { name, tenants };
}

/** Problems of a group list against the configured tenants: unknown or twice-grouped ones. */
export function cacheGroupProblems(groups: CacheGroups, tenants: readonly string[]): string[] {
  const problems: string[] = [];
  const groupOf = new Map<string, string>();
  for (const [name, members] of groups) {
    for (const tenant of members) {
      if (!tenants.includes(tenant))
        problems.push(`group ${name}: tenant ${tenant} has no key in API_KEYS`);
      const other = groupOf.get(tenant);
      if (other !== undefined && other !== name)
        problems.push(`tenant ${tenant} is in two groups (${other}, ${name})`);
      groupOf.set(tenant, name);
    }
  }
  return problems;
}

/** A job's cache scope: fixed at intake; a record from before scopes uses its owner's own. */
export function jobCacheScope(record: { owner: string; cache_scope?: string | undefined }): string {
  return record.cache_scope ?? `tenant.${record.owner}`;
}

/**
 * The cache scope of a tenant's jobs: its group's (`group.<name>`) when it is in one, else its
 * own (`tenant.<id>`). Both are safe as one storage path segment.
 */
export function cacheScopeOf(groups: CacheGroups | undefined, tenant: string): string {
  for (const [name, members] of groups ?? []) if (members.includes(tenant)) return `group.${name}`;
  return `tenant.${tenant}`;
}
