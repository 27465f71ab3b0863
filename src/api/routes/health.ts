import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiServices } from '../services/api-services.ts';
import { readinessSchema } from '../services/readiness.ts';

/** The services the probes call. */
export interface HealthRoutesOptions {
  services: ApiServices;
}

/** Probes: open without a key (see auth.ts), never touching a caller's data. */
export const healthRoutes: FastifyPluginCallbackZod<HealthRoutesOptions> = (
  app,
  { services },
  done,
) => {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process serves requests',
        tags: ['health'],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    (_request, reply) => {
      void reply.send({ status: 'ok' });
    },
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: Redis, storage, and workers consuming every class with waiting jobs',
        tags: ['health'],
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const readiness = await services.readiness();
      return reply.code(readiness.status === 'ok' ? 200 : 503).send(readiness);
    },
  );
  done();
};
