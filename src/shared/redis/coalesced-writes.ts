import type { Socket } from 'node:net';
import { Cluster, type Redis as SingleRedis } from 'ioredis';
import type { Redis } from './connections.ts';

const coalesced = new WeakSet<Socket>();

/**
 * Commands a connection sends in one turn of the event loop reach its socket in one system
 * call, not one each. ioredis writes every command to the socket as it is issued; under load a
 * process issues many at once (one Redis reply resolves a dozen awaits, each sending its next
 * command), and writing them one by one cost the api 16 % of its CPU in B7's profile. The
 * socket is corked at the first write and uncorked by `setImmediate`, once the loop's I/O
 * callbacks of this turn have run (as ioredis's own auto-pipelining waits): the bytes and their
 * order are unchanged, only the system calls are fewer. Uncorking at the end of the tick
 * instead (`process.nextTick`) gathered fewer commands: B7's rerun took 1.92–2.61 s with it,
 * 1.6–2.11 s this way. ioredis's `enableAutoPipelining` regroups the commands themselves, and
 * broke the api under B7's load (stop 22).
 *
 * Every socket the connection opens is covered: a reconnect's, and a cluster's per node.
 */
export function coalesceWrites(redis: Redis): void {
  if (redis instanceof Cluster) {
    redis.on('+node', (node: SingleRedis) => coalesceNodeWrites(node));
    for (const node of redis.nodes()) coalesceNodeWrites(node);
  } else {
    coalesceNodeWrites(redis);
  }
}

function coalesceNodeWrites(redis: SingleRedis): void {
  const cover = () => {
    const socket = (redis as unknown as { stream?: Socket }).stream;
    if (socket) corkEachTurn(socket);
  };
  redis.on('connect', cover);
  cover();
}

function corkEachTurn(socket: Socket): void {
  if (coalesced.has(socket)) return;
  coalesced.add(socket);
  const write = socket.write.bind(socket);
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = ((...args: Parameters<Socket['write']>) => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    return write(...args);
  }) as Socket['write'];
}
