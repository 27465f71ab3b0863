import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { errorResponses } from '../schemas.ts';
import type { ApiServices } from '../services/api-services.ts';
import { usageQuerySchema, usageReportSchema } from '../services/usage-reads.ts';

export interface UsageRoutesOptions {
  services: ApiServices;
}

/** The caller's upstream usage: what its jobs' calls were billed, by day, type or batch. */
export const usageRoutes: FastifyPluginCallbackZod<UsageRoutesOptions> = (
  app,
  { services },
  done,
) => {
  app.get(
    '/v1/usage',
    {
      schema: {
        summary: 'Upstream usage of this API key’s tenant',
        description:
          'Characters billed and calls made (failed calls included) over a range of UTC days, optionally grouped by day, job type or batch.',
        tags: ['usage'],
        querystring: usageQuerySchema,
        response: { 200: usageReportSchema, ...errorResponses },
      },
    },
    async (request) => services.usage.report(request.owner, request.query),
  );
  done();
};
