import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedis, duplicateRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { waitUntil } from '../../support/eventually.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

/** The socket ioredis writes to now (a new one after each reconnect). */
function socketOf(redis: Redis): Socket {
  const socket = (redis as unknown as { stream?: Socket }).stream;
  if (!socket) throw new Error('the connection has no socket');
  return socket;
}

/** How often the socket hands bytes to the kernel: one call each, written alone or together. */
function countSocketWrites(socket: Socket): { calls: number } {
  const counter = { calls: 0 };
  const internal = socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
  for (const method of ['_write', '_writev'] as const) {
    const original = internal[method].bind(socket);
    internal[method] = (...args: unknown[]) => {
      counter.calls += 1;
      original(...args);
    };
  }
  return counter;
}

/** Twenty commands issued at once, as a Redis reply that resolves many awaits does. */
async function twentyAtOnce(redis: Redis, key: string): Promise<number[]> {
  return Promise.all(Array.from({ length: 20 }, () => redis.incr(key)));
}

describe('coalesced writes', () => {
  const opened: Redis[] = [];
  afterEach(() => {
    for (const redis of opened.splice(0)) redis.disconnect();
  });

  async function connect(open: () => Redis): Promise<Redis> {
    const redis = open();
    opened.push(redis);
    // The intake's connection refuses commands until it is ready (no offline queue).
    await waitUntil('the connection is ready', () => redis.status === 'ready');
    return redis;
  }

  it('sends the commands of one turn of the event loop in one socket write, in order', async () => {
    const redis = await connect(() =>
      createRedis({ kind: 'single', url: testRedisUrl() }, 'intake', 'coalesce-test'),
    );
    const writes = countSocketWrites(socketOf(redis));
    const key = uniquePrefix('coalesce');

    const replies = await twentyAtOnce(redis, key);

    expect(replies).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    expect(writes.calls).toBe(1);
  });

  it('keeps coalescing on a duplicate and after a reconnect (a new socket)', async () => {
    const first = await connect(() =>
      createRedis({ kind: 'single', url: testRedisUrl() }, 'worker', 'coalesce-test'),
    );
    const redis = await connect(() =>
      duplicateRedis(first, { connectionName: 'audiobatch:coalesce-duplicate' }),
    );
    const before = socketOf(redis);
    before.destroy();
    await waitUntil('the duplicate has reconnected', () => {
      const socket = (redis as unknown as { stream?: Socket }).stream;
      return redis.status === 'ready' && socket !== before;
    });
    const writes = countSocketWrites(socketOf(redis));

    const replies = await twentyAtOnce(redis, uniquePrefix('coalesce'));

    expect(replies.at(-1)).toBe(20);
    expect(writes.calls).toBe(1);
  });
});
