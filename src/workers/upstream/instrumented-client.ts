import { finished } from 'node:stream';
import type { JobClass } from '../../shared/jobs/job-types.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import type { UpstreamCall, UpstreamClient, UpstreamResponse } from './upstream-client.ts';
import { UpstreamError } from './upstream-error.ts';

/**
 * Wraps `client` to record each call in the metrics: latency (request start to the body's end)
 * and the answer by status and error code, labelled with the endpoint *template* so voice ids
 * never become label values.
 */
export function instrumentedClient(
  client: UpstreamClient,
  metrics: Metrics,
  labels: { endpoint: string; jobClass: JobClass },
): UpstreamClient {
  const { endpoint, jobClass } = labels;
  const record = (startedAt: number, status: string, code: string) => {
    metrics.upstreamLatency.observe({ endpoint, status }, (performance.now() - startedAt) / 1000);
    metrics.upstreamResponses.inc({ endpoint, status, code });
    if (status === '429') metrics.upstream429.inc({ class: jobClass, code });
  };

  async function call(upstreamCall: UpstreamCall): Promise<UpstreamResponse> {
    const startedAt = performance.now();
    try {
      const response = await client.call(upstreamCall);
      finished(response.body, (error) => {
        record(startedAt, String(response.status), error ? 'body_failed' : 'none');
      });
      return response;
    } catch (error) {
      if (error instanceof UpstreamError) {
        record(startedAt, error.status === null ? 'network' : String(error.status), error.code);
      } else {
        record(startedAt, 'aborted', 'aborted');
      }
      throw error;
    }
  }

  return { call, close: () => client.close() };
}
