import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** A running proxy; `stop()` closes it and every connection through it. */
export interface HoldingTcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  stop(): Promise<void>;
}

/**
 * A TCP proxy in front of `target` that accepts each connection at once and joins it to the
 * target only `holdMs` later: a server that is slow to answer a new connection (a Redis across
 * a slow network, or one found through a Sentinel), over real sockets. What the client sends
 * meanwhile waits in the proxy and is delivered when the hold ends.
 */
export async function startHoldingTcpProxy(
  target: { host: string; port: number },
  holdMs: number,
): Promise<HoldingTcpProxy> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  let accepted = 0;
  const server = createServer((client) => {
    accepted += 1;
    track(client);
    client.pause();
    client.on('error', () => client.destroy());
    setTimeout(() => {
      if (client.destroyed) return;
      const upstream = connect(target.port, target.host);
      track(upstream);
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    }, holdMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
