import { Cluster, Redis as SingleRedis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.ts';
import { coalesceWrites } from './coalesced-writes.ts';
import type { RedisTarget } from './redis-target.ts';

/**
 * A connection to the deployment's Redis: one server (or the master Sentinel names), or a
 * Redis Cluster. Both speak the same commands, and BullMQ takes either; code that needs one
 * of the few differences (duplicating with other options) goes through this module.
 */
export type Redis = SingleRedis | Cluster;

/**
 * Two kinds of Redis connection, because the two sides want opposite things when Redis is away:
 * the intake must fail fast (a 503 beats a hanging request), a worker must wait it out.
 */
export type RedisRole = 'intake' | 'worker';

const retryStrategy = (times: number): number => Math.min(times * 200, 2_000);

/** How long an intake connection's command may take before it fails (a 503), ms. */
export const INTAKE_COMMAND_TIMEOUT_MS = 2_000;

/** The options of one server's connection, whatever the topology. */
function nodeOptions(role: RedisRole, name: string): RedisOptions {
  return {
    connectionName: `audiobatch:${name}`,
    // BullMQ workers block on Redis: null lets a command wait for the reconnect instead of failing.
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    // A Redis that hangs without closing must not hang requests either: fail them with 503.
    ...(role === 'intake' && {
      commandTimeout: INTAKE_COMMAND_TIMEOUT_MS,
      connectTimeout: INTAKE_COMMAND_TIMEOUT_MS,
    }),
  };
}

/**
 * A connection to `target` with the behaviour `role` wants; `name` shows in CLIENT LIST as
 * `audiobatch:<name>`. On a cluster, every node connection gets the role's options.
 */
export function createRedis(target: RedisTarget, role: RedisRole, name: string): Redis {
  const redis = connect(target, role, name);
  coalesceWrites(redis);
  return redis;
}

function connect(target: RedisTarget, role: RedisRole, name: string): Redis {
  // The intake refuses commands while disconnected instead of queueing them in memory.
  const enableOfflineQueue = role === 'worker';
  switch (target.kind) {
    case 'single':
      return new SingleRedis(target.url, {
        ...nodeOptions(role, name),
        enableOfflineQueue,
        retryStrategy,
      });
    case 'sentinel':
      return new SingleRedis({
        ...nodeOptions(role, name),
        enableOfflineQueue,
        retryStrategy,
        sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
        name: target.masterName,
        sentinelUsername: target.sentinelUsername,
        sentinelPassword: target.sentinelPassword,
        password: target.password,
        // Sentinel announces a failover at once; without this ioredis learns of it only when
        // the old master's connection breaks, which a partitioned master may never do.
        failoverDetector: true,
        // A write that reached the old master as it was demoted: reconnect (to the master
        // Sentinel names now) and resend it, instead of failing it.
        reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
      });
    case 'cluster':
      return new Cluster(target.nodes, clusterOptions(target, role, name, enableOfflineQueue));
  }
}

function clusterOptions(
  target: Extract<RedisTarget, { kind: 'cluster' }>,
  role: RedisRole,
  name: string,
  enableOfflineQueue: boolean,
): ClusterOptions {
  return {
    enableOfflineQueue,
    // Replicas lag: BullMQ's scripts and our records must read what was just written.
    scaleReads: 'master',
    // Ready only once CLUSTER INFO says cluster_state:ok, so nothing runs against half a cluster.
    enableReadyCheck: true,
    clusterRetryStrategy: retryStrategy,
    // The nodes the cluster announces get the startup URLs' credentials and TLS too.
    redisOptions: {
      ...nodeOptions(role, name),
      username: target.username,
      password: target.password,
      ...(target.tls && { tls: {} }),
    },
  };
}

/**
 * Resolves true once `redis` is ready for commands, or false after `timeoutMs` if it is not
 * yet. A connection that fails fast (the intake's) refuses every command until then.
 */
export function untilReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    redis.once('ready', onReady);
  });
}

/** The parts of a connection's behaviour a duplicate may change. */
export interface DuplicateOptions {
  connectionName: string;
  enableOfflineQueue?: boolean;
  maxRetriesPerRequest?: number | null;
  /** A blocking reader's commands wait longer than the intake's fail-fast 2 s, ms. */
  commandTimeout?: number;
}

/**
 * A new connection to the same Redis (a subscriber, say), with a few options changed. A
 * Cluster keeps its per-node options apart from its own, so they are changed in both places.
 */
export function duplicateRedis(redis: Redis, changes: DuplicateOptions): Redis {
  const { connectionName, enableOfflineQueue, maxRetriesPerRequest, commandTimeout } = changes;
  const nodeChanges: Partial<RedisOptions> = {
    connectionName,
    ...(commandTimeout !== undefined && { commandTimeout }),
    ...(maxRetriesPerRequest !== undefined && { maxRetriesPerRequest }),
  };
  const duplicate =
    redis instanceof Cluster
      ? redis.duplicate(undefined, {
          ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
          redisOptions: { ...redis.options.redisOptions, ...nodeChanges },
        })
      : redis.duplicate({
          ...nodeChanges,
          ...(enableOfflineQueue !== undefined && { enableOfflineQueue }),
        });
  coalesceWrites(duplicate);
  return duplicate;
}

/**
 * BullMQ loses jobs when Redis evicts keys; say so loudly at startup. Managed Redis often
 * disables CONFIG, which is not an error.
 */
export async function warnUnlessNoEviction(redis: Redis, logger: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      logger.warn(
        { maxmemory_policy: policy },
        'Redis maxmemory-policy is not noeviction: queued jobs can be evicted and lost',
      );
    }
  } catch {
    logger.debug('could not read maxmemory-policy (CONFIG disabled?)');
  }
}
