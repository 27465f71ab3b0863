import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Readable } from 'node:stream';
import type { Config } from '../../shared/config.ts';
import { ValidationError } from '../../shared/errors.ts';
import {
  errorResponses,
  listUploadsQuerySchema,
  uploadListSchema,
  uploadViewSchema,
} from '../schemas.ts';
import type { ApiServices } from '../services/api-services.ts';
import { formLimits, readUploadForm } from '../services/multipart-forms.ts';
import type { StagedUpload, UploadService } from '../services/upload-service.ts';

/** Services, and config for the upload size limit. */
export interface UploadRoutesOptions {
  services: ApiServices;
  config: Config;
}

/**
 * `POST /v1/uploads`: the body is the file (any content type), or a multipart `file` part.
 * `GET /v1/uploads`: the caller's uploads, or those of one sha256 (dedup before uploading).
 */
export const uploadRoutes: FastifyPluginAsyncZod<UploadRoutesOptions> = async (
  app,
  { services, config },
) => {
  // In this scope every body is a stream for storage: JSON or text must not be parsed, and
  // the JSON body limit does not apply (storage enforces MAX_UPLOAD_BYTES while streaming).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  await app.register(multipart, { limits: formLimits(config.MAX_UPLOAD_BYTES) });

  app.post(
    '/v1/uploads',
    {
      schema: {
        summary: 'Upload input audio',
        description:
          'The body is the file, with its Content-Type; or multipart/form-data with a `file` part.',
        tags: ['uploads'],
        consumes: ['application/octet-stream', 'audio/*', 'multipart/form-data'],
        response: { 201: uploadViewSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const staged = await stageUpload(request, services.uploads);
      return reply.code(201).send(await services.uploads.publish(request.owner, staged));
    },
  );

  app.get(
    '/v1/uploads',
    {
      schema: {
        summary: 'List uploads',
        description:
          'Newest first; pass `next_cursor` back as `cursor` for the next page. With `sha256`, ' +
          'only uploads of those bytes: a client may reuse one instead of uploading again.',
        tags: ['uploads'],
        querystring: listUploadsQuerySchema,
        response: { 200: uploadListSchema, ...errorResponses },
      },
    },
    async (request) => services.uploads.list(request.owner, request.query),
  );
};

/** The file, from a multipart form or the raw body, stored but not yet recorded. */
function stageUpload(request: FastifyRequest, uploads: UploadService): Promise<StagedUpload> {
  if (request.isMultipart()) return readUploadForm(request.parts(), uploads);
  const type = request.headers['content-type'];
  return uploads.stage(rawBody(request), type, 'body', declaredLength(request));
}

function rawBody(request: FastifyRequest): Readable {
  // Fastify skips parsing (body undefined) when Content-Length is 0 or the body is absent.
  if (request.body === undefined || request.body === null) {
    throw new ValidationError('The upload is empty.', [{ field: 'body', message: 'is empty' }]);
  }
  return request.body as Readable;
}

function declaredLength(request: FastifyRequest): number | undefined {
  const length = Number(request.headers['content-length']);
  return Number.isSafeInteger(length) ? length : undefined;
}
