import { z } from 'zod';
import { batchViewSchema } from '../../shared/batches/batch-record.ts';
import { matrixSchema } from '../../shared/batches/matrix.ts';
import { JOB_STATUSES, JOB_TYPES } from '../../shared/jobs/job-types.ts';
import { metadataSchema, seedSchema } from '../../shared/jobs/request-envelope.ts';
import { batchEstimateSchema } from '../../shared/usage/estimate.ts';
import { webhookTargetSchema } from '../../shared/webhooks/webhook-target.ts';
import { dryRunParamSchema } from '../schemas.ts';

/**
 * Route-level schemas of the batch routes. Items are not checked here but one by one in the
 * service, so a 422 can name each bad item by index and custom_id instead of a zod path.
 */

const maxCharactersSchema = z.number().int().min(1);

const batchFields = {
  defaults: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      'Fields merged under every item whose type takes them (objects merge deeply; the item wins)',
    ),
  seed: seedSchema
    .optional()
    .describe('Item seeds derive from it and each custom_id; random (and recorded) when absent'),
  webhook: webhookTargetSchema
    .optional()
    .describe('Receives batch.completed (items get job events via their own or defaults.webhook)'),
  metadata: metadataSchema.optional(),
  name: z.string().min(1).max(200).optional(),
  matrix: matrixSchema.optional(),
  max_characters: maxCharactersSchema
    .optional()
    .describe(
      'Budget: once the batch’s usage reaches it no new upstream call starts (in-flight calls finish) and the batch reads `paused` until resumed',
    ),
};

/** `POST /v1/batches` JSON body (an NDJSON body is turned into this shape before validation). */
export const batchCreateBodySchema = z
  .object({
    items: z
      .array(z.unknown())
      .min(1)
      .describe('Job requests as POST /v1/jobs takes them, each with an optional custom_id'),
    ...batchFields,
  })
  .strict();
export type BatchSubmission = z.infer<typeof batchCreateBodySchema>;

const jsonParam = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

/**
 * `POST /v1/batches` query: `dry_run`, and for an NDJSON body (whose lines are the items) the
 * batch-level fields; `defaults`, `metadata` and `matrix` as JSON text.
 */
export const batchCreateQuerySchema = z
  .object({
    dry_run: dryRunParamSchema,
    seed: z.coerce.number().pipe(seedSchema).optional(),
    name: batchFields.name,
    max_characters: z.coerce.number().pipe(maxCharactersSchema).optional(),
    webhook_url: z.string().max(2_048).optional(),
    metadata: jsonParam(metadataSchema).optional(),
    defaults: jsonParam(z.record(z.string(), z.unknown())).optional(),
    matrix: jsonParam(matrixSchema).optional(),
  })
  .strict();
export type BatchCreateQuery = z.infer<typeof batchCreateQuerySchema>;

/** What a dry run answers: the batch would be accepted, with this many items of each type. */
export const batchDryRunSchema = z.object({
  object: z.literal('batch_validation'),
  valid: z.literal(true),
  total: z.number().int(),
  types: z.partialRecord(z.enum(JOB_TYPES), z.number().int()),
  /** The batch seed given, or null: a real submission would draw one. */
  seed: z.number().int().nullable(),
  estimate: batchEstimateSchema,
});
export type BatchDryRun = z.infer<typeof batchDryRunSchema>;

/** `{id}` of the batch routes; any string, so a malformed id is a 404 like an unknown one. */
export const batchIdParamsSchema = z.object({ id: z.string().max(64) }).strict();

export const listBatchesQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(64).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export type ListBatchesQuery = z.infer<typeof listBatchesQuerySchema>;

export const batchListSchema = z.object({
  object: z.literal('list'),
  data: z.array(batchViewSchema),
  next_cursor: z.string().nullable(),
});
export type BatchList = z.infer<typeof batchListSchema>;

/** `GET /v1/batches/{id}/jobs` query: the filters and cursor of `GET /v1/jobs`, in item order. */
export const listBatchJobsQuerySchema = z
  .object({
    status: z.enum(JOB_STATUSES).optional(),
    type: z.enum(JOB_TYPES).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(64).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export type ListBatchJobsQuery = z.infer<typeof listBatchJobsQuerySchema>;
