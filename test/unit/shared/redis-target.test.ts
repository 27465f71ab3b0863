import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/shared/config.ts';
import { redisTargetOf } from '../../../src/shared/redis/redis-target.ts';

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
    return '';
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.join('\n');
  }
}

describe('where Redis is', () => {
  it('keeps the prefix as configured on a single Redis, so an upgrade finds its keys', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6390' }).QUEUE_PREFIX).toBe('audiobatch');
    expect(loadConfig({ QUEUE_PREFIX: 'studio' }).QUEUE_PREFIX).toBe('studio');
    expect(loadConfig({ QUEUE_PREFIX: '{studio}' }).QUEUE_PREFIX).toBe('{studio}');
  });

  it('makes the prefix a hash tag on a Redis Cluster, so every key shares one slot', () => {
    const nodes = 'redis://127.0.0.1:7001,redis://127.0.0.1:7002';
    expect(loadConfig({ REDIS_CLUSTER_NODES: nodes }).QUEUE_PREFIX).toBe('{audiobatch}');
    expect(loadConfig({ REDIS_CLUSTER_NODES: nodes, QUEUE_PREFIX: 'b' }).QUEUE_PREFIX).toBe('{b}');
    expect(loadConfig({ REDIS_CLUSTER_NODES: nodes, QUEUE_PREFIX: '{b}' }).QUEUE_PREFIX).toBe(
      '{b}',
    );
  });

  it('refuses a prefix that would split a hash tag', () => {
    expect(problems({ QUEUE_PREFIX: '{a}b' })).toMatch(/QUEUE_PREFIX/);
    expect(problems({ QUEUE_PREFIX: 'a{b}' })).toMatch(/QUEUE_PREFIX/);
    expect(problems({ QUEUE_PREFIX: '{ab' })).toMatch(/QUEUE_PREFIX/);
  });

  it('reads cluster nodes with the first URL’s credentials for every node', () => {
    const config = loadConfig({
      REDIS_CLUSTER_NODES: 'rediss://ops:p%40ss@10.0.0.1:7000, rediss://10.0.0.2:7000',
    });
    expect(redisTargetOf(config)).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7000 },
      ],
      username: 'ops',
      password: 'p@ss',
      tls: true,
    });
  });

  it('reads Sentinels, the master name and the master password', () => {
    const config = loadConfig({
      REDIS_SENTINELS: 'redis://:sentinel-pw@127.0.0.1:26379,redis://127.0.0.1:26380',
      REDIS_SENTINEL_MASTER: 'jobs',
      REDIS_PASSWORD: 'master-pw',
    });
    expect(redisTargetOf(config)).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '127.0.0.1', port: 26379 },
        { host: '127.0.0.1', port: 26380 },
      ],
      masterName: 'jobs',
      sentinelUsername: undefined,
      sentinelPassword: 'sentinel-pw',
      password: 'master-pw',
    });
    // Sentinel names a master: the prefix stays as configured.
    expect(config.QUEUE_PREFIX).toBe('audiobatch');
  });

  it('has no target without configuration: the all-in-one process embeds one', () => {
    expect(redisTargetOf(loadConfig({}))).toBeNull();
  });

  it('lists every problem: two targets, a missing master, bad node URLs', () => {
    const listed = problems({
      REDIS_URL: 'redis://127.0.0.1:6390',
      REDIS_CLUSTER_NODES: 'redis://127.0.0.1,http://127.0.0.1:7000,redis://h:7000/2',
      REDIS_SENTINELS: 'redis://127.0.0.1:26379',
    });
    expect(listed).toMatch(/REDIS_CLUSTER_NODES: names a second Redis/);
    expect(listed).toMatch(/must name a host and a port/);
    expect(listed).toMatch(/must start with redis:\/\/ or rediss:\/\//);
    expect(listed).toMatch(/must not name a database/);
    expect(problems({ REDIS_SENTINELS: 'redis://127.0.0.1:26379' })).toMatch(
      /REDIS_SENTINEL_MASTER: is required/,
    );
    expect(problems({ REDIS_URL: 'redis://127.0.0.1:6390', REDIS_PASSWORD: 'x' })).toMatch(
      /REDIS_PASSWORD: is for Sentinel setups/,
    );
  });
});
