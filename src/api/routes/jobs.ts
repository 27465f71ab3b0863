import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jobViewSchema } from '../../shared/jobs/job-record.ts';
import { attachmentDisposition } from '../../shared/storage/content-disposition.ts';
import {
  errorResponses,
  getJobQuerySchema,
  jobIdParamsSchema,
  jobListSchema,
  listJobsQuerySchema,
  outputParamsSchema,
} from '../schemas.ts';
import type { ApiServices } from '../services/api-services.ts';

/** The services the job routes delegate to. */
export interface JobRoutesOptions {
  services: ApiServices;
}

const tags = ['jobs'];

/** Reading and steering jobs: get (with long poll), list, outputs, cancel, retry. */
export const jobRoutes: FastifyPluginCallbackZod<JobRoutesOptions> = (app, { services }, done) => {
  app.get(
    '/v1/jobs/:id',
    {
      schema: {
        summary: 'Get a job',
        description: 'With `wait`, answers as soon as the job finishes, or after `wait` seconds.',
        tags,
        params: jobIdParamsSchema,
        querystring: getJobQuerySchema,
        response: { 200: jobViewSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { wait } = request.query;
      if (!wait) return services.reads.get(request.owner, request.params.id);
      // Stop waiting when the client goes away: a long poll must not outlive its caller. Only
      // a long poll listens: every request closes, and each abort builds a DOMException.
      const gone = new AbortController();
      request.raw.once('close', () => gone.abort());
      return services.reads.get(request.owner, request.params.id, wait, gone.signal);
    },
  );

  app.get(
    '/v1/jobs',
    {
      schema: {
        summary: 'List jobs',
        description: 'Newest first; pass `next_cursor` back as `cursor` for the next page.',
        tags,
        querystring: listJobsQuerySchema,
        response: { 200: jobListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { batch_id: batchId, ...query } = request.query;
      // One listing, two indexes: a batch's jobs are read from the batch's own index.
      return batchId === undefined
        ? services.reads.list(request.owner, query)
        : services.batches.reads.jobs(request.owner, batchId, query);
    },
  );

  app.get(
    '/v1/jobs/:id/outputs/:name',
    {
      schema: {
        summary: 'Download an output',
        description: '302 to a presigned URL (S3 storage), or the bytes themselves (file storage).',
        tags,
        params: outputParamsSchema,
        response: {
          200: z.unknown().describe('The output bytes (file storage)'),
          302: z.undefined().describe('Redirect to a presigned URL (S3 storage)'),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const output = await services.reads.output(
        request.owner,
        request.params.id,
        request.params.name,
      );
      if (output.kind === 'redirect') return reply.redirect(output.url, 302);
      return reply
        .header('content-type', output.contentType)
        .header('content-length', output.bytes)
        .header('content-disposition', attachmentDisposition(output.fileName))
        .send(output.body);
    },
  );

  app.post(
    '/v1/jobs/:id/cancel',
    {
      schema: {
        summary: 'Cancel a job',
        description:
          'Queued: canceled at once (200). Running: its worker aborts it (202). Finished: 409.',
        tags,
        params: jobIdParamsSchema,
        response: { 200: jobViewSchema, 202: jobViewSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { outcome, record } = await services.control.cancel(request.owner, request.params.id);
      return reply.code(outcome === 'canceled' ? 200 : 202).send(await services.reads.view(record));
    },
  );

  app.post(
    '/v1/jobs/:id/retry',
    {
      schema: {
        summary: 'Retry a failed or canceled job',
        description: 'Queued again with the same request and seed; anything else is 409.',
        tags,
        params: jobIdParamsSchema,
        response: { 202: jobViewSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const record = await services.control.retry(request.owner, request.params.id);
      return reply.code(202).send(await services.reads.view(record));
    },
  );
  done();
};
