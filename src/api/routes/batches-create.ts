import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { batchViewSchema } from '../../shared/batches/batch-record.ts';
import type { Config } from '../../shared/config.ts';
import { PayloadTooLargeError } from '../../shared/errors.ts';
import { errorResponses, idempotencyHeadersSchema } from '../schemas.ts';
import {
  NDJSON_TYPES,
  NdjsonBody,
  readJson,
  readNdjson,
  withQueryFields,
} from '../services/batch-body.ts';
import {
  batchCreateBodySchema,
  batchCreateQuerySchema,
  batchDryRunSchema,
} from '../services/batch-schemas.ts';
import type { BatchServices } from '../services/batch-services.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** sha256 of a batch submission's raw body, and whether it was NDJSON. */
    batchBody: { digest: string; format: 'json' | 'ndjson' } | null;
  }
}

export interface BatchCreateRoutesOptions {
  batches: BatchServices;
  config: Config;
}

/**
 * `POST /v1/batches`: a JSON body `{items, defaults, matrix, seed, webhook, metadata, name}`, or an
 * NDJSON body (one job request per line) with the batch fields as query parameters. Its own
 * body parsers, in this plugin's scope only: bodies up to MAX_BATCH_BODY_BYTES (the rest of
 * the API keeps its 1 MiB), NDJSON parsed line by line as it streams in, and the raw bytes
 * hashed on the way for Idempotency-Key.
 */
export const batchCreateRoutes: FastifyPluginCallbackZod<BatchCreateRoutesOptions> = (
  app,
  { batches, config },
  done,
) => {
  const limit = config.MAX_BATCH_BODY_BYTES;
  app.decorateRequest('batchBody', null);
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: limit },
    (request, body, done) => {
      try {
        const { value, digest } = readJson(body as Buffer);
        request.batchBody = { digest, format: 'json' };
        done(null, value);
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  app.addContentTypeParser(
    NDJSON_TYPES,
    async (request: FastifyRequest, payload: IncomingMessage) => {
      if (Number(request.headers['content-length'] ?? 0) > limit)
        throw new PayloadTooLargeError(limit);
      return readNdjson(payload, limit);
    },
  );

  app.post(
    '/v1/batches',
    {
      bodyLimit: limit,
      schema: {
        summary: 'Create a batch',
        description:
          'JSON `{items, defaults?, matrix?, seed?, webhook?, metadata?, name?}`, or `application/x-ndjson` (one job request per line; batch fields as query parameters). ' +
          '`matrix` runs every item once per combination of its axes’ values (custom_id suffixed per axis; the item limit counts combinations). ' +
          'Every item is validated first (422 lists problems by `items[i]` and custom_id); nothing is stored unless all pass. `?dry_run=true` only validates. Optional `Idempotency-Key`.',
        tags: ['batches'],
        consumes: ['application/json', ...NDJSON_TYPES],
        body: batchCreateBodySchema,
        querystring: batchCreateQuerySchema,
        headers: idempotencyHeadersSchema,
        response: { 200: batchDryRunSchema, 202: batchViewSchema, ...errorResponses },
      },
      preValidation: (request, _reply, next) => {
        if (request.body instanceof NdjsonBody) {
          request.batchBody = { digest: request.body.digest, format: 'ndjson' };
          (request as { body: unknown }).body = { items: request.body.items };
        }
        next();
      },
    },
    async (request, reply) => {
      const { dry_run: dryRun, ...query } = request.query;
      const body = request.batchBody ?? { digest: '', format: 'json' as const };
      const outcome = await batches.submit.submit(
        request.owner,
        withQueryFields(request.body, query, body.format),
        { dryRun, key: request.headers['idempotency-key'], bodyDigest: body.digest, query },
      );
      if (outcome.kind === 'validated') return reply.code(200).send(outcome.result);
      if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.code(202).send(outcome.batch);
    },
  );
  done();
};
