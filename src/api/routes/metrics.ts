import type { FastifyPluginCallback } from 'fastify';
import { UnauthorizedError } from '../../shared/errors.ts';
import type { MetricsAuthCheck } from '../../shared/metrics/metrics-auth.ts';
import { METRICS_UNAUTHORIZED } from '../../shared/metrics/metrics-auth.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';

/** The registry `/metrics` serves, and who may read it (METRICS_AUTH). */
export interface MetricsRoutesOptions {
  metrics: Metrics;
  authorize: MetricsAuthCheck;
}

/**
 * `GET /metrics`: Prometheus text format. Open without an API key (auth.ts lists it as public):
 * with METRICS_AUTH set it takes that token instead, never a tenant's key.
 */
export const metricsRoutes: FastifyPluginCallback<MetricsRoutesOptions> = (
  app,
  { metrics, authorize },
  done,
) => {
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (text format)', tags: ['health'] } },
    async (request, reply) => {
      if (!authorize(request.headers.authorization)) {
        throw new UnauthorizedError(METRICS_UNAUTHORIZED);
      }
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
  done();
};
