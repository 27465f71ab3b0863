import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A recording pass-through: where to send requests, what it saw, its server (to close). */
export interface UpstreamRecorder {
  url: string;
  seen: Seen[];
  server: Server;
}

/** One request the recorder passed on: its URL (path and query) and its body as text. */
export interface Seen {
  url: string;
  body: string;
}

/** A pass-through in front of the simulator that keeps each request's URL and body. */
export async function startRecorder(target: string): Promise<UpstreamRecorder> {
  const upstream = new URL(target);
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ url: req.url ?? '', body: body.toString('utf8') });
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
      outgoing.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}
