import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedisServer, type RedisProcess } from './redis-process.ts';

const run = promisify(execFile);

/** A Redis Cluster of local redis-server processes this process started and owns. */
export interface LocalRedisCluster {
  /** Its masters (no replicas). */
  readonly nodes: RedisProcess[];
  /** The value of REDIS_CLUSTER_NODES that reaches it. */
  readonly nodesEnv: string;
  /** The master serving `key`'s hash slot. */
  nodeServing(key: string): Promise<RedisProcess>;
  /** Every key on each master, in `nodes` order (for tests: a handful of keys only). */
  keysPerNode(pattern: string): Promise<string[][]>;
  stop(): Promise<void>;
}

export interface StartRedisClusterOptions {
  /** Each node gets a folder of its own below this one (its AOF and nodes.conf). */
  dir: string;
  /** Default 3, the fewest `redis-cli --cluster create` accepts. */
  masters?: number;
  /** How long the cluster may take to agree on its slots; default 60 s. */
  timeoutMs?: number;
}

/**
 * Starts `masters` redis-server processes with cluster mode on, each on a free port of
 * 127.0.0.1 in its own folder (startRedisServer checks each answering server is our child),
 * joins them with `redis-cli --cluster create`, and resolves once every node reports
 * `cluster_state:ok`. For tests and benchmarks (the service only connects to a cluster, through
 * REDIS_CLUSTER_NODES); the caller owns the processes and the folder.
 */
export async function startRedisCluster(
  options: StartRedisClusterOptions,
): Promise<LocalRedisCluster> {
  const masters = options.masters ?? 3;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const nodes: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    // One at a time: each picks a free port, and parallel picks could choose the same one.
    for (let i = 0; i < masters; i++) {
      const dir = join(options.dir, `node-${i + 1}`);
      nodes.push(
        await startRedisServer({
          dir,
          // prettier-ignore
          extraArgs: [
            '--cluster-enabled', 'yes',
            '--cluster-config-file', join(dir, 'nodes.conf'),
            '--cluster-node-timeout', '5000',
          ],
        }),
      );
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await run(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      { timeout: timeoutMs },
    );
    await untilClusterOk(nodes, timeoutMs);
    return {
      nodes,
      nodesEnv: nodes.map((node) => node.url).join(','),
      nodeServing: (key) => nodeServing(nodes, key),
      keysPerNode: (pattern) =>
        Promise.all(nodes.map((node) => withClient(node, (c) => c.keys(pattern)))),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls every node's CLUSTER INFO until all agree on their slots; throws after `timeoutMs`. */
async function untilClusterOk(nodes: RedisProcess[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await Promise.all(nodes.map(clusterStateOk))).every(Boolean)) {
    if (performance.now() > deadline)
      throw new Error(`the cluster did not report cluster_state:ok within ${timeoutMs} ms`);
    await sleep(100);
  }
}

async function clusterStateOk(node: RedisProcess): Promise<boolean> {
  const { stdout } = await run('redis-cli', [
    '-h',
    '127.0.0.1',
    '-p',
    String(node.port),
    'cluster',
    'info',
  ]);
  return /^cluster_state:ok\r?$/m.test(stdout);
}

async function nodeServing(nodes: RedisProcess[], key: string): Promise<RedisProcess> {
  const [first] = nodes;
  if (!first) throw new Error('the cluster has no node');
  return withClient(first, async (client) => {
    const slot = await client.cluster('KEYSLOT', key);
    const ranges = await client.cluster('SLOTS');
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    const node = nodes.find((candidate) => candidate.port === range?.[2]?.[1]);
    if (!node) throw new Error(`no node of ours serves slot ${slot}`);
    return node;
  });
}

/** A plain connection to one node, closed after `use`. */
async function withClient<T>(node: RedisProcess, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(node.url, { maxRetriesPerRequest: 1 });
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}
