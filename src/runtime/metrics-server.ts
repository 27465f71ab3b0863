import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { METRICS_UNAUTHORIZED, type MetricsAuthCheck } from '../shared/metrics/metrics-auth.ts';
import type { Metrics } from '../shared/metrics/metrics.ts';

/** What a worker process's `/readyz` says: it consumes, or why it does not. */
export interface WorkerReadiness {
  ready: boolean;
  checks: Record<string, 'ok' | 'fail'>;
}

/**
 * The `worker` role's own little HTTP listener: `/metrics` (its instruments and the queue
 * gauges), `/healthz` and `/readyz`. Workers have no intake to hang them on, and Prometheus
 * scrapes each process. `/metrics` takes METRICS_AUTH's token when set (`authorize`); the
 * probes stay public.
 */
export async function startMetricsServer(
  metrics: Metrics,
  host: string,
  port: number,
  readiness: WorkerReadiness,
  authorize: MetricsAuthCheck,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/readyz') {
      res.writeHead(readiness.ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: readiness.ready ? 'ok' : 'unavailable',
          checks: readiness.checks,
        }),
      );
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      if (!authorize(req.headers.authorization)) {
        res.writeHead(401, {
          'content-type': 'application/json',
          'www-authenticate': 'Bearer realm="metrics"',
        });
        res.end(JSON.stringify({ error: { code: 'unauthorized', message: METRICS_UNAUTHORIZED } }));
        return;
      }
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('metrics collection failed\n');
        },
      );
      return;
    }
    const found = req.method === 'GET' && path === '/healthz';
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
    res.end(found ? '{"status":"ok"}' : '{"error":{"code":"not_found"}}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostPart}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
