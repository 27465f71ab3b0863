import type { FastifyPluginCallback } from 'fastify';
import type { Metrics } from '../../shared/metrics/metrics.ts';

/** The registry `/metrics` serves. */
export interface MetricsRoutesOptions {
  metrics: Metrics;
}

/** `GET /metrics`: Prometheus text format, open without a key like the probes (auth.ts). */
export const metricsRoutes: FastifyPluginCallback<MetricsRoutesOptions> = (
  app,
  { metrics },
  done,
) => {
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (text format)', tags: ['health'] } },
    async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
  done();
};
