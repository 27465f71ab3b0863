import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { JOB_CLASSES } from '../../shared/jobs/job-types.ts';
import type { AccountQueues } from '../../shared/queue/account-queues.ts';
import { errorResponses } from '../schemas.ts';
import type { ApiServices } from '../services/api-services.ts';
import { queueStateSchema } from '../services/admin-queues.ts';
import { queueBoard } from './queue-board.ts';

/** Services for queue control, and the queues the dashboard shows. */
export interface AdminRoutesOptions {
  services: ApiServices;
  queues: AccountQueues;
}

const tags = ['admin'];
const classParamsSchema = z.object({ class: z.enum(JOB_CLASSES) }).strict();
const accountQuerySchema = z
  .object({
    account: z
      .string()
      .optional()
      .describe('The upstream account (UPSTREAM_ACCOUNTS name); absent: the default account'),
  })
  .strict();
const security = [{ bearer: [] }];

/**
 * Operator routes, registered only when ADMIN_API_KEY is set (auth.ts makes every one of them
 * require it): queue state, pause and resume per class, and the bull-board dashboard at
 * `/admin/queues` (HTTP Basic with the admin key as password works in a browser).
 */
export const adminRoutes: FastifyPluginAsyncZod<AdminRoutesOptions> = async (
  app,
  { services, queues },
) => {
  app.get(
    '/v1/admin/queues',
    {
      schema: {
        summary: 'Every account’s class queues: depth, paused or not, and why',
        tags,
        security,
        response: { 200: z.object({ data: z.array(queueStateSchema) }), ...errorResponses },
      },
    },
    async () => ({ data: await services.admin.states() }),
  );

  for (const action of ['resume', 'pause'] as const) {
    app.post(
      `/v1/admin/queues/:class/${action}`,
      {
        schema: {
          summary:
            action === 'resume'
              ? 'Resume a paused class queue (e.g. after quota_exceeded, once topped up)'
              : 'Pause a class queue: jobs stay queued, none is fetched',
          tags,
          security,
          params: classParamsSchema,
          querystring: accountQuerySchema,
          response: { 200: queueStateSchema, ...errorResponses },
        },
      },
      async (request) => services.admin[action](request.params.class, request.query.account),
    );
  }

  await app.register(queueBoard, { queues });
};
