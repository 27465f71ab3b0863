import { join } from 'node:path';
import { startRedisCluster } from '../../src/shared/redis/redis-cluster-process.ts';
import { startRedisServer } from '../../src/shared/redis/redis-process.ts';

/** One redis-server, or a local Redis Cluster of three masters (no replicas). */
export type RedisTopology = 'single' | 'cluster';

/** The Redis a scenario's stack runs on, started and owned by the bench. */
export interface BenchRedis {
  readonly topology: RedisTopology;
  /** What tells the service where it is: REDIS_URL, or REDIS_CLUSTER_NODES. */
  readonly serviceEnv: Record<string, string>;
  /** Every redis-server process of it, for their CPU time. */
  readonly pids: number[];
  /** The single server's URL, for the bench's own clients; null on a cluster. */
  readonly url: string | null;
  stop(): Promise<void>;
}

/**
 * Starts the scenario's Redis in `dir` with production settings (AOF everysec, noeviction):
 * each server on a free port of 127.0.0.1, checked to be our child by its pid. A cluster's
 * masters are joined with `redis-cli --cluster create` and the service gets them all in
 * REDIS_CLUSTER_NODES (which also turns its key prefix into a hash tag).
 */
export async function startBenchRedis(topology: RedisTopology, dir: string): Promise<BenchRedis> {
  if (topology === 'single') {
    const server = await startRedisServer({ dir: join(dir, 'redis') });
    return {
      topology,
      serviceEnv: { REDIS_URL: server.url },
      pids: [server.pid],
      url: server.url,
      stop: () => server.stop(),
    };
  }
  const cluster = await startRedisCluster({ dir: join(dir, 'redis-cluster') });
  return {
    topology,
    serviceEnv: { REDIS_CLUSTER_NODES: cluster.nodesEnv },
    pids: cluster.nodes.map((node) => node.pid),
    url: null,
    stop: () => cluster.stop(),
  };
}
