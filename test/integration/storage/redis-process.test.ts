import { Redis } from 'ioredis';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  RedisServerNotFoundError,
  startRedisServer,
  type RedisProcess,
} from '../../../src/shared/redis/redis-process.ts';
import { waitUntil } from '../../support/eventually.ts';

// Lives here because this helper's owner may only write under test/**/storage and
// test/support; its natural home is test/integration/redis/.
describe('startRedisServer', () => {
  let dir: string;
  const started: RedisProcess[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'redis-process-'));
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((redis) => redis.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (options: { port?: number } = {}): Promise<RedisProcess> => {
    const redis = await startRedisServer({ dir: join(dir, 'data'), ...options });
    started.push(redis);
    return redis;
  };
  const withClient = async <T>(url: string, use: (client: Redis) => Promise<T>): Promise<T> => {
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      return await use(client);
    } finally {
      client.disconnect();
    }
  };
  const isAlive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('starts with the production settings, keeps AOF data across restart(), stop() ends it', async () => {
    const redis = await start();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    await withClient(redis.url, async (client) => {
      expect(await client.config('GET', 'maxmemory-policy')).toEqual([
        'maxmemory-policy',
        'noeviction',
      ]);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await client.config('GET', 'hash-max-listpack-value')).toEqual([
        'hash-max-listpack-value',
        '256',
      ]);
      expect(await client.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
      await client.set('survives', 'restart');
    });
    const firstPid = redis.pid;
    await redis.restart();
    expect(redis.pid).not.toBe(firstPid);
    expect(isAlive(firstPid)).toBe(false);
    expect(await withClient(redis.url, (client) => client.get('survives'))).toBe('restart');
    expect(await readdir(join(dir, 'data'))).toContain('appendonlydir');

    await redis.stop();
    expect(isAlive(redis.pid)).toBe(false);
    await redis.stop(); // stopping twice is harmless
  });

  it('recovers writes older than one fsync interval after kill -9', async () => {
    const redis = await start();
    await withClient(redis.url, (client) => client.set('fsynced', 'yes'));
    // With appendfsync everysec the write reaches the AOF file within a second or two (later
    // on a busy machine), and once there a kill -9 cannot lose it: wait for that, not 1.5 s.
    const aofDir = join(dir, 'data', 'appendonlydir');
    await waitUntil('the write is in the AOF', async () => {
      const files = await readdir(aofDir).catch(() => []);
      const texts = await Promise.all(files.map((f) => readFile(join(aofDir, f), 'latin1')));
      return texts.some((text) => text.includes('fsynced'));
    });
    redis.kill();
    await redis.restart();
    expect(await withClient(redis.url, (client) => client.get('fsynced'))).toBe('yes');
  });

  it('fails with the reason when its port is taken', async () => {
    const first = await start();
    await expect(startRedisServer({ dir: join(dir, 'other'), port: first.port })).rejects.toThrow(
      /exited .*before it answered.*in use/is,
    );
  });

  it('says how to install redis-server when the binary is missing', async () => {
    const attempt = startRedisServer({ dir, redisServerPath: join(dir, 'no-such-redis-server') });
    await expect(attempt).rejects.toBeInstanceOf(RedisServerNotFoundError);
    await expect(attempt).rejects.toThrow(/apt-get install redis-server.*REDIS_URL/);
  });
});
