import autocannon from 'autocannon';
import { quantile } from './stats.ts';

/** Throughput and latency of a load run. */
export interface LoadResult {
  /** Successful operations per second. */
  rate: number;
  ok: number;
  /** Non-2xx answers (HTTP) or rejected operations. */
  errors: number;
  /** 5xx answers (HTTP only). */
  serverErrors: number;
  p50Ms: number;
  p99Ms: number;
}

/** HTTP load with autocannon: `connections` in flight for `seconds`. */
export async function httpLoad(options: {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    connections: options.connections,
    duration: options.seconds,
    ...(options.body !== undefined && {
      body: options.body,
      headers: { 'content-type': 'application/json' },
    }),
  });
  const ok = result['2xx'];
  return {
    rate: ok / options.seconds,
    ok,
    errors: result.non2xx + result.errors + result.timeouts,
    serverErrors: result['5xx'],
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

/**
 * The same shape of load in-process: `concurrency` calls of `operation` in flight for
 * `seconds` (each finished call starts the next), for baselines that are a library call.
 */
export async function closedLoop(options: {
  operation: (n: number) => Promise<unknown>;
  concurrency: number;
  seconds: number;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const end = started + options.seconds * 1000;
  const lane = async () => {
    while (performance.now() < end) {
      const begun = performance.now();
      try {
        await options.operation(next++);
        latencies.push(performance.now() - begun);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  const elapsed = (performance.now() - started) / 1000;
  return {
    rate: latencies.length / elapsed,
    ok: latencies.length,
    errors,
    serverErrors: 0,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
  };
}
