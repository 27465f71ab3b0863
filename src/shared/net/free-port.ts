import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on `host` (loopback by default): the OS picks it, we
 * release it. Another process may take it before the caller binds, so callers that can,
 * retry with a new port when binding fails.
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error(`Could not read the port picked on ${host}`);
  }
  return address.port;
}
