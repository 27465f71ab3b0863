import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RedisServerNotFoundError,
  startRedisServer,
  type RedisProcess,
} from '../../src/shared/redis/redis-process.ts';
import { dockerAnswers } from './docker.ts';

/** The private Redis of a test run. */
export interface TestRedis {
  kind: 'process' | 'container';
  url: string;
  /** The child process when `kind` is `process` (restart and kill for fault tests). */
  process: RedisProcess | undefined;
  stop(): Promise<void>;
}

/**
 * A private Redis for tests: redis-server from PATH in a temp folder (fast, and restartable on
 * the same port for AOF tests), or a Redis container when there is no redis-server but Docker
 * answers. Neither: the RedisServerNotFoundError that says how to install one.
 */
export async function startTestRedis(
  options: { dockerTimeoutMs?: number } = {},
): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'audiobatch-redis-'));
  try {
    const redis = await startRedisServer({ dir });
    return {
      kind: 'process',
      url: redis.url,
      process: redis,
      stop: async () => {
        await redis.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    if (!(error instanceof RedisServerNotFoundError)) throw error;
    if (!(await dockerAnswers(options.dockerTimeoutMs ?? 3000))) throw error;
  }
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer('redis:7.4-alpine')
    .withCommand([
      'redis-server',
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--hash-max-listpack-value',
      '256',
    ])
    .start();
  return {
    kind: 'container',
    url: container.getConnectionUrl(),
    process: undefined,
    stop: async () => {
      await container.stop();
    },
  };
}
