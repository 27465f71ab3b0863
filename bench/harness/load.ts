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
  /** Latency percentiles in milliseconds, with sub-millisecond precision. */
  p50Ms: number;
  p99Ms: number;
}

/**
 * HTTP load with autocannon: `connections` in flight for `seconds`.
 *
 * The percentiles come from every response's own time, not autocannon's summary: its
 * histogram records whole milliseconds, so a 1.4 ms p99 reads 1 and a 1.6 ms one 2, which
 * makes ratios of fast routes (B6: a read ÷ `/healthz`) jump by 2 × for 0.2 ms. Each
 * `response` event carries the time measured by autocannon's client with `process.hrtime`.
 */
export async function httpLoad(options: {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: options.method ?? 'GET',
        connections: options.connections,
        duration: options.seconds,
        ...(options.body !== undefined && {
          body: options.body,
          headers: { 'content-type': 'application/json' },
        }),
      },
      (error, done) => (error ? reject(error as Error) : resolve(done)),
    );
    // Every answer, as autocannon's own histogram counts them (errors included by default).
    instance.on('response', (_client, _status, _bytes, milliseconds) => {
      latencies.push(milliseconds);
    });
  });
  const ok = result['2xx'];
  return {
    rate: ok / options.seconds,
    ok,
    errors: result.non2xx + result.errors + result.timeouts,
    serverErrors: result['5xx'],
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
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
