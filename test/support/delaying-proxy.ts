import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running proxy; `stop()` closes it and every connection through it. */
export interface DelayingProxy {
  url: string;
  /** Requests forwarded so far, as `METHOD path`. */
  readonly seen: string[];
  stop(): Promise<void>;
}

/**
 * A plain HTTP proxy in front of `target` (a test S3 server) that holds back the requests
 * `delayOf` names for that many ms before forwarding them, and answers those `failOf` names
 * with a 503 of its own: a storage that is slow or away exactly where a test wants it, over
 * real sockets. Everything else passes through untouched.
 */
export async function startDelayingProxy(
  target: string,
  delayOf: (request: IncomingMessage) => number,
  failOf: (request: IncomingMessage) => boolean = () => false,
): Promise<DelayingProxy> {
  const upstream = new URL(target);
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`);
    const forward = () => {
      const outgoing = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (response) => {
          res.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(res);
        },
      );
      outgoing.on('error', () => res.destroy());
      req.pipe(outgoing);
    };
    if (failOf(req)) {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end('<Error><Code>SlowDown</Code><Message>Storage away (test)</Message></Error>');
      return;
    }
    const delay = delayOf(req);
    if (delay > 0) {
      req.pause();
      setTimeout(forward, delay);
    } else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
