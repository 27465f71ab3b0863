import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { untilReady, type Redis } from '../../../src/shared/redis/connections.ts';

/** Just what untilReady reads of a connection: its status and its 'ready' event. */
class FakeConnection extends EventEmitter {
  status = 'connecting';
  becomeReady() {
    this.status = 'ready';
    this.emit('ready');
  }
}

const asRedis = (connection: FakeConnection) => connection as unknown as Redis;

describe('untilReady', () => {
  it('is true at once for a ready connection', async () => {
    const connection = new FakeConnection();
    connection.status = 'ready';
    await expect(untilReady(asRedis(connection), 0)).resolves.toBe(true);
  });

  it('is true when the connection becomes ready within the wait, and stops listening', async () => {
    const connection = new FakeConnection();
    const ready = untilReady(asRedis(connection), 60_000);
    connection.becomeReady();
    await expect(ready).resolves.toBe(true);
    expect(connection.listenerCount('ready')).toBe(0);
  });

  it('is false when the wait ends first, and stops listening', async () => {
    const connection = new FakeConnection();
    await expect(untilReady(asRedis(connection), 1)).resolves.toBe(false);
    expect(connection.listenerCount('ready')).toBe(0);
  });
});
