import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses, jobIdParamsSchema, uploadIdParamsSchema } from '../schemas.ts';
import type { ApiServices } from '../services/api-services.ts';
import { batchIdParamsSchema } from '../services/batch-schemas.ts';

export interface DeletionRoutesOptions {
  services: ApiServices;
}

const deleted = { 204: z.undefined().describe('Deleted: nothing of it is left') };

/**
 * The DELETE routes: a job, a batch (with its jobs), an upload, each with every trace of it
 * (records, indexes, queue entries, stored objects, cache entries). The tenant's usage
 * totals stay: they are the billing record.
 */
export const deletionRoutes: FastifyPluginCallbackZod<DeletionRoutesOptions> = (
  app,
  { services },
  done,
) => {
  app.delete(
    '/v1/jobs/:id',
    {
      schema: {
        summary: 'Delete a job',
        description:
          'Removes the job, its outputs, job.json and its cache entry. A queued or running job ' +
          'is canceled first; 409 `job_busy` if it has not stopped within 15 s (delete again), ' +
          '`job_in_batch` for a batch item (delete the batch).',
        tags: ['jobs'],
        params: jobIdParamsSchema,
        response: { ...deleted, ...errorResponses },
      },
    },
    async (request, reply) => {
      await services.deletions.job(request.owner, request.params.id);
      return reply.code(204).send(undefined);
    },
  );

  app.delete(
    '/v1/batches/:id',
    {
      schema: {
        summary: 'Delete a batch and its jobs',
        description:
          'Removes the batch, every job in it with their outputs, its results and manifest. A ' +
          'batch not yet finished is canceled first; 409 `batch_busy` if its jobs have not ' +
          'stopped within 15 s (delete again).',
        tags: ['batches'],
        params: batchIdParamsSchema,
        response: { ...deleted, ...errorResponses },
      },
    },
    async (request, reply) => {
      await services.deletions.batch(request.owner, request.params.id);
      return reply.code(204).send(undefined);
    },
  );

  app.delete(
    '/v1/uploads/:id',
    {
      schema: {
        summary: 'Delete an upload',
        description:
          'Removes the uploaded audio. 409 `upload_in_use` while a job using it has not finished.',
        tags: ['uploads'],
        params: uploadIdParamsSchema,
        response: { ...deleted, ...errorResponses },
      },
    },
    async (request, reply) => {
      await services.deletions.upload(request.owner, request.params.id);
      return reply.code(204).send(undefined);
    },
  );
  done();
};
