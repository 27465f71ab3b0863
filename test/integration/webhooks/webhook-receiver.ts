import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the receiver got: the raw body (signatures cover its exact bytes) and headers. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** The next `count` requests to `path` are answered with `status`. */
  failNext(path: string, count: number, status?: number): void;
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1: records every request, answers 204 unless told to fail. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const failures = new Map<string, { count: number; status: number }>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const failure = failures.get(path);
      let status = 204;
      if (failure && failure.count > 0) {
        failure.count--;
        status = failure.status;
      }
      received.push({
        path,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        status,
      });
      // A redirect points somewhere else on this receiver: following it would show up here.
      const location = status >= 300 && status < 400 ? { location: `${path}/redirected` } : {};
      response.writeHead(status, location).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    failNext: (path, count, status = 500) => failures.set(path, { count, status }),
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
