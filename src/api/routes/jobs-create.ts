import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../shared/config.ts';
import { jobRequestSchema } from '../../shared/jobs/job-request.ts';
import { jobViewSchema } from '../../shared/jobs/job-record.ts';
import { isFinished } from '../../shared/jobs/job-types.ts';
import { errorResponses, idempotencyHeadersSchema } from '../schemas.ts';
import type { ApiServices } from '../services/api-services.ts';
import { jobCreateQuerySchema, jobDryRunSchema } from '../services/job-schemas.ts';
import { formLimits, readOneShotForm } from '../services/multipart-forms.ts';
import type { StagedUpload } from '../services/upload-service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The audio part of a one-shot job form, stored before the request part is validated. */
    stagedAudio: StagedUpload | null;
  }
}

/** Services, and config for the form's size limits. */
export interface JobCreateRoutesOptions {
  services: ApiServices;
  config: Config;
}

/**
 * `POST /v1/jobs`: a JSON job request, or a one-shot multipart form (`request` + `audio`).
 * The form is turned into the same JSON body before validation, so both go through one
 * schema; if anything then refuses the request, the stored audio is deleted again.
 */
export const jobCreateRoutes: FastifyPluginAsyncZod<JobCreateRoutesOptions> = async (
  app,
  { services, config },
) => {
  // JSON or multipart only: a text/plain body is a client error (415), not a string to validate.
  app.removeContentTypeParser('text/plain');
  await app.register(multipart, { limits: formLimits(config.MAX_UPLOAD_BYTES) });
  app.decorateRequest('stagedAudio', null);

  app.post(
    '/v1/jobs',
    {
      schema: {
        summary: 'Create a job',
        description:
          'A JSON job request; or multipart/form-data with a `request` part (JSON, without `input`) and an `audio` file part. ' +
          '`?dry_run=true` validates and answers 200 with the estimate; nothing is stored or queued. ' +
          'A request the result cache answers (`cache: "use"`, the same request and seed seen before in the cache scope) is answered at once: 200 with the finished job (`status: "succeeded"`, `cache: "hit"`); any other job answers 202 `queued`. ' +
          'With an `Idempotency-Key`, repeating the request (same key, same body) returns the original job (header `idempotent-replayed: true`); the same key with another body is a 409.',
        tags: ['jobs'],
        consumes: ['application/json', 'multipart/form-data'],
        body: jobRequestSchema,
        headers: idempotencyHeadersSchema,
        querystring: jobCreateQuerySchema,
        response: {
          200: z.union([jobViewSchema, jobDryRunSchema]),
          202: jobViewSchema,
          ...errorResponses,
        },
      },
      preValidation: async (request) => {
        if (!request.isMultipart()) return;
        const form = await readOneShotForm(request.parts(), services.uploads);
        request.stagedAudio = form.audio;
        // Validated next, like a JSON body, against the route's body schema.
        (request as { body: unknown }).body = form.request;
      },
      onError: async (request) => services.uploads.discard(request.stagedAudio),
    },
    async (request, reply) => {
      const { owner, body, stagedAudio, headers, query } = request;
      if (query.dry_run) {
        const result = await services.intake.dryRun(owner, body, stagedAudio);
        // A dry run keeps nothing, a one-shot form's audio included.
        await services.uploads.discard(stagedAudio);
        return reply.code(200).send(result);
      }
      const { resource, replayed } = await services.idempotentIntake.create(
        owner,
        body,
        stagedAudio,
        headers['idempotency-key'],
      );
      if (replayed) void reply.header('idempotent-replayed', 'true');
      // A cache hit is answered at intake: the job is finished already.
      const code = isFinished(resource.status) ? 200 : 202;
      return reply.code(code).send(await services.reads.view(resource));
    },
  );
};
