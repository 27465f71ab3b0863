/**
 * Where the deployment's Redis is, read from the config: one server (REDIS_URL), a Redis
 * Cluster (REDIS_CLUSTER_NODES), or a master found through Sentinel (REDIS_SENTINELS).
 */

/** A server's address. */
export interface RedisAddress {
  host: string;
  port: number;
}

export type RedisTarget =
  | { kind: 'single'; url: string }
  | {
      kind: 'cluster';
      /** Where to start: the cluster tells the client about the rest. */
      nodes: RedisAddress[];
      /** From the first node URL; every node of a cluster shares its ACL. */
      username: string | undefined;
      password: string | undefined;
      /** `rediss://` */
      tls: boolean;
    }
  | {
      kind: 'sentinel';
      sentinels: RedisAddress[];
      /** The master group's name in the Sentinels' configuration. */
      masterName: string;
      /** The Sentinels' own credentials, from their URLs. */
      sentinelUsername: string | undefined;
      sentinelPassword: string | undefined;
      /** The master's (and replicas') password. */
      password: string | undefined;
    };

/** The config keys that say where Redis is (see config.ts). */
export interface RedisTargetConfig {
  REDIS_URL?: string | undefined;
  REDIS_CLUSTER_NODES?: string[] | undefined;
  REDIS_SENTINELS?: string[] | undefined;
  REDIS_SENTINEL_MASTER?: string | undefined;
  REDIS_PASSWORD?: string | undefined;
}

/** The configured Redis, or null when none is: the all-in-one process then embeds one. */
export function redisTargetOf(config: RedisTargetConfig): RedisTarget | null {
  if (config.REDIS_URL) return { kind: 'single', url: config.REDIS_URL };
  if (config.REDIS_CLUSTER_NODES?.length) {
    const urls = config.REDIS_CLUSTER_NODES.map((item) => new URL(item));
    const first = urls[0]!;
    return {
      kind: 'cluster',
      nodes: urls.map(addressOf),
      username: credential(first.username),
      password: credential(first.password),
      tls: first.protocol === 'rediss:',
    };
  }
  if (config.REDIS_SENTINELS?.length && config.REDIS_SENTINEL_MASTER) {
    const urls = config.REDIS_SENTINELS.map((item) => new URL(item));
    const first = urls[0]!;
    return {
      kind: 'sentinel',
      sentinels: urls.map(addressOf),
      masterName: config.REDIS_SENTINEL_MASTER,
      sentinelUsername: credential(first.username),
      sentinelPassword: credential(first.password),
      password: config.REDIS_PASSWORD,
    };
  }
  return null;
}

/**
 * The key prefix in use. On a Redis Cluster, keys are spread over slots by a hash of their
 * name, or of the part between the first `{` and `}`: BullMQ's scripts, our scripts and our
 * MULTIs each touch several keys of a deployment, which must therefore all hash alike. So
 * there a plain prefix becomes a hash tag. Elsewhere the prefix stays as configured: a
 * single Redis (or Sentinel) deployment keeps the keys it already has across upgrades.
 */
export function effectivePrefix(config: RedisTargetConfig & { QUEUE_PREFIX: string }): string {
  const prefix = config.QUEUE_PREFIX;
  const tagged = prefix.startsWith('{');
  return config.REDIS_CLUSTER_NODES?.length && !tagged ? `{${prefix}}` : prefix;
}

/** What is wrong with how the config names Redis: several targets, a missing master name. */
export function redisTargetProblems(
  config: RedisTargetConfig,
): { path: keyof RedisTargetConfig; message: string }[] {
  const problems: { path: keyof RedisTargetConfig; message: string }[] = [];
  const given = (['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const).filter(
    (key) => config[key] !== undefined,
  );
  if (given.length > 1)
    problems.push({
      path: given[1]!,
      message: `names a second Redis: set only one of ${given.join(', ')}`,
    });
  if (config.REDIS_SENTINELS !== undefined && !config.REDIS_SENTINEL_MASTER)
    problems.push({
      path: 'REDIS_SENTINEL_MASTER',
      message: 'is required with REDIS_SENTINELS: the master group to ask the Sentinels for',
    });
  if (config.REDIS_SENTINELS === undefined && config.REDIS_SENTINEL_MASTER)
    problems.push({ path: 'REDIS_SENTINEL_MASTER', message: 'is set without REDIS_SENTINELS' });
  if (config.REDIS_SENTINELS === undefined && config.REDIS_PASSWORD)
    problems.push({
      path: 'REDIS_PASSWORD',
      message: 'is for Sentinel setups: put the password in REDIS_URL or REDIS_CLUSTER_NODES',
    });
  return problems;
}

/** The problem with one `redis://host:port` item of a node list, or null. */
export function redisNodeUrlProblem(item: string): string | null {
  let url: URL;
  try {
    url = new URL(item);
  } catch {
    return `${item} is not a URL (redis://host:port)`;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    return `${scrub(url)} must start with redis:// or rediss://`;
  if (!url.hostname || !url.port) return `${scrub(url)} must name a host and a port`;
  if (url.pathname !== '' && url.pathname !== '/')
    return `${scrub(url)} must not name a database: a cluster and Sentinel setups use db 0`;
  return null;
}

/** A short description of the target for logs: addresses, never credentials. */
export function describeRedisTarget(target: RedisTarget): string {
  const list = (addresses: RedisAddress[]) => addresses.map((a) => `${a.host}:${a.port}`).join(',');
  switch (target.kind) {
    case 'single':
      return scrub(new URL(target.url));
    case 'cluster':
      return `cluster ${list(target.nodes)}`;
    case 'sentinel':
      return `sentinel ${target.masterName}@${list(target.sentinels)}`;
  }
}

function addressOf(url: URL): RedisAddress {
  // An IPv6 host comes bracketed from URL; net.connect wants it bare.
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
}

function credential(value: string): string | undefined {
  return value === '' ? undefined : decodeURIComponent(value);
}

function scrub(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}
