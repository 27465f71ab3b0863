import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { registerAuth } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { frameworkErrorHandler, registerErrorHandler } from './error-handler.ts';
import { createMetrics } from '../shared/metrics/metrics.ts';
import { registerQueueMetrics } from '../shared/metrics/queue-metrics.ts';
import { registerOpenApi } from './openapi.ts';
import { registerRateLimit } from './rate-limit.ts';
import { OneLineRequestLog } from './request-log.ts';
import { responseSerializerCompiler } from './response-serializer.ts';
import { adminRoutes } from './routes/admin.ts';
import { batchRoutes } from './routes/batches.ts';
import { healthRoutes } from './routes/health.ts';
import { jobCreateRoutes } from './routes/jobs-create.ts';
import { jobRoutes } from './routes/jobs.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { metricsAuthCheck } from '../shared/metrics/metrics-auth.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { deletionRoutes } from './routes/deletions.ts';
import { usageRoutes } from './routes/usage.ts';
import { createServices } from './services/api-services.ts';
import { REQUEST_PART_LIMIT } from './services/multipart-forms.ts';
import { zodValidatorCompiler } from './validation.ts';
import { gatewayRoutes } from '../gateway/gateway-routes.ts';

export type { ApiDeps } from './deps.ts';

/**
 * Builds the intake: routes, auth, validation, error envelope and OpenAPI. Never listens (the
 * caller does, or tests use `app.inject()`), and never closes `deps`, which the caller owns;
 * `app.close()` releases only what the app opened itself (the `?wait=` subscriber).
 */
export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance: logger,
    // JSON bodies are job requests: 1 MiB is generous. Uploads stream past this limit.
    bodyLimit: REQUEST_PART_LIMIT,
    // Our own ids: a client-supplied request id must not be able to forge log correlation.
    genReqId: () => `req_${randomUUID().replaceAll('-', '')}`,
    // The router's own refusals (a malformed path) in the envelope too, without the URL.
    frameworkErrors: frameworkErrorHandler,
    logController: new OneLineRequestLog(),
  });
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  const metrics = deps.metrics ?? createMetrics();
  registerQueueMetrics(metrics, deps);
  const services = createServices({ ...deps, metrics });
  app.addHook('onClose', async () => services.close());

  registerErrorHandler(app);
  registerAuth(app, deps.config);
  await registerRateLimit(app, deps);
  await registerOpenApi(app);
  await app.register(healthRoutes, { services });
  await app.register(metricsRoutes, {
    metrics,
    authorize: metricsAuthCheck(deps.config.METRICS_AUTH),
  });
  await app.register(uploadRoutes, { services, config: deps.config });
  await app.register(jobCreateRoutes, { services, config: deps.config });
  await app.register(jobRoutes, { services });
  await app.register(batchRoutes, { batches: services.batches, config: deps.config });
  await app.register(usageRoutes, { services });
  await app.register(deletionRoutes, { services });
  await app.register(gatewayRoutes, { services, deps });
  if (deps.config.ADMIN_API_KEY) await app.register(adminRoutes, { services, queues: deps.queues });
  return app;
}
