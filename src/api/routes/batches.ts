import type { FastifyPluginAsyncZod, FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import type { Config } from '../../shared/config.ts';
import { z } from 'zod';
import { batchViewSchema } from '../../shared/batches/batch-record.ts';
import { errorResponses, jobListSchema } from '../schemas.ts';
import {
  batchIdParamsSchema,
  batchListSchema,
  listBatchesQuerySchema,
  listBatchJobsQuerySchema,
} from '../services/batch-schemas.ts';
import { batchResumeBodySchema } from '../services/batch-resume.ts';
import type { BatchServices } from '../services/batch-services.ts';
import { batchCreateRoutes } from './batches-create.ts';

export interface BatchRoutesOptions {
  batches: BatchServices;
  config: Config;
}

const tags = ['batches'];

/** Every batch route: creation (in its own scope, for its body parsers) and the rest. */
export const batchRoutes: FastifyPluginAsyncZod<BatchRoutesOptions> = async (app, options) => {
  await app.register(batchCreateRoutes, options);
  await app.register(batchReadRoutes, options);
};

/** Reading and steering batches: get, list, jobs, results, cancel, retry. */
const batchReadRoutes: FastifyPluginCallbackZod<BatchRoutesOptions> = (app, { batches }, done) => {
  app.get(
    '/v1/batches/:id',
    {
      schema: {
        summary: 'Get a batch',
        description: 'Status, counts per job status, progress, rate and ETA.',
        tags,
        params: batchIdParamsSchema,
        response: { 200: batchViewSchema, ...errorResponses },
      },
    },
    async (request) => batches.reads.get(request.owner, request.params.id),
  );

  app.get(
    '/v1/batches',
    {
      schema: {
        summary: 'List batches',
        description: 'Newest first; pass `next_cursor` back as `cursor` for the next page.',
        tags,
        querystring: listBatchesQuerySchema,
        response: { 200: batchListSchema, ...errorResponses },
      },
    },
    async (request) => batches.reads.list(request.owner, request.query),
  );

  app.get(
    '/v1/batches/:id/jobs',
    {
      schema: {
        summary: "List a batch's jobs",
        description:
          'In item order; filters and cursor as `GET /v1/jobs`. A filtered page may come back short with a `next_cursor`: keep paging.',
        tags,
        params: batchIdParamsSchema,
        querystring: listBatchJobsQuerySchema,
        response: { 200: jobListSchema, ...errorResponses },
      },
    },
    async (request) => batches.reads.jobs(request.owner, request.params.id, request.query),
  );

  app.get(
    '/v1/batches/:id/results',
    {
      schema: {
        summary: "Stream a batch's results",
        description:
          'NDJSON, one line per item in item order: `{custom_id, job_id, status, seed, fingerprint, outputs, error}`.',
        tags,
        params: batchIdParamsSchema,
        produces: ['application/x-ndjson'],
        response: { 200: z.unknown().describe('NDJSON stream'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const lines = await batches.reads.results(request.owner, request.params.id);
      return reply.type('application/x-ndjson; charset=utf-8').send(lines);
    },
  );

  app.post(
    '/v1/batches/:id/cancel',
    {
      schema: {
        summary: 'Cancel a batch',
        description:
          'Queued jobs are canceled at once, running ones aborted by their workers; finished ones are kept. Repeating it is harmless.',
        tags,
        params: batchIdParamsSchema,
        response: { 200: batchViewSchema, ...errorResponses },
      },
    },
    async (request) => batches.control.cancel(request.owner, request.params.id),
  );

  app.post(
    '/v1/batches/:id/resume',
    {
      schema: {
        summary: 'Resume a batch paused by its budget',
        description:
          'Sets `max_characters` (above the usage so far; null lifts the cap) and lets the parked jobs call the upstream again. 409 once the batch has ended.',
        tags,
        params: batchIdParamsSchema,
        body: batchResumeBodySchema,
        response: { 200: batchViewSchema, ...errorResponses },
      },
    },
    async (request) => batches.resume.resume(request.owner, request.params.id, request.body),
  );

  app.post(
    '/v1/batches/:id/retry',
    {
      schema: {
        summary: 'Retry a batch',
        description:
          'Failed and canceled jobs are queued again with the same requests and seeds. Repeating it is harmless.',
        tags,
        params: batchIdParamsSchema,
        response: { 202: batchViewSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await batches.control.retry(request.owner, request.params.id)),
  );
  done();
};
