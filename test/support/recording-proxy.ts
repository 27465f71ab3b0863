import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as it went through the proxy: its line, headers and whole body. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface RecordingProxy {
  url: string;
  /** Every request forwarded so far, in arrival order. */
  readonly recorded: RecordedRequest[];
  /** Where requests go; settable after start (a service started behind the proxy). */
  target: string;
  stop(): Promise<void>;
}

/**
 * A plain HTTP proxy that keeps every request it forwards (to the simulator), so a test can
 * check what exactly the upstream received: the path and query, a JSON body, the audio part of
 * a multipart call.
 */
export async function startRecordingProxy(target = 'http://127.0.0.1:1'): Promise<RecordingProxy> {
  const recorded: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      recorded.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const upstream = new URL(proxy.target);
      const outgoing = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: wholeBodyHeaders(req.headers, body.length),
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
  const { port } = server.address() as AddressInfo;
  const proxy: RecordingProxy = {
    url: `http://127.0.0.1:${port}`,
    recorded,
    target,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}

/** The bytes of one file field of a recorded multipart request. */
export async function multipartFile(request: RecordedRequest, field: string): Promise<Buffer> {
  const form = await new Response(new Uint8Array(request.body), {
    headers: { 'content-type': String(request.headers['content-type']) },
  }).formData();
  const file = form.get(field);
  if (!(file instanceof Blob)) throw new Error(`no file field ${field}`);
  return Buffer.from(await file.arrayBuffer());
}

/** The request's headers for a body forwarded whole: its length replaces any chunked framing. */
function wholeBodyHeaders(headers: IncomingMessage['headers'], length: number) {
  const { 'transfer-encoding': _chunked, ...rest } = headers;
  return { ...rest, 'content-length': String(length) };
}
