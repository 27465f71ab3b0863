import { z } from 'zod';
import { jobViewSchema } from '../shared/jobs/job-record.ts';
import { JOB_STATUSES, JOB_TYPES } from '../shared/jobs/job-types.ts';
import { errorEnvelopeSchema } from './error-envelope.ts';

/** Route-level schemas: what `/openapi.json` documents and what the validator enforces. */

export const uploadViewSchema = z.object({
  id: z.string(),
  object: z.literal('upload'),
  bytes: z.number().int(),
  sha256: z.string().describe('Lowercase hex sha256 of the stored bytes'),
  content_type: z.string(),
  created_at: z.string(),
});
export type UploadView = z.infer<typeof uploadViewSchema>;

/** `GET /v1/uploads` query: the owner's uploads, of one content hash if asked, paged. */
export const listUploadsQuerySchema = z
  .object({
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits')
      .transform((hex) => hex.toLowerCase())
      .optional()
      .describe('Only uploads of these bytes: how a client skips uploading a file again'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(64).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export type ListUploadsQuery = z.infer<typeof listUploadsQuerySchema>;

/** A page of uploads, newest first. */
export const uploadListSchema = z.object({
  object: z.literal('list'),
  data: z.array(uploadViewSchema),
  next_cursor: z.string().nullable(),
});
export type UploadList = z.infer<typeof uploadListSchema>;

/**
 * Headers of the resource-creating routes. An `Idempotency-Key` makes a retried submission
 * return the resource the first one created (kept IDEMPOTENCY_TTL_SECONDS, at least 24 h).
 */
// Loose: the validated headers replace request.headers, and every other header must survive.
export const idempotencyHeadersSchema = z.looseObject({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .optional()
    .describe('Any unique string per intended submission, e.g. a UUID'),
});

/** `?dry_run=` of the creating routes: validate and estimate, store and queue nothing. */
export const dryRunParamSchema = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((value) => value === 'true' || value === '1')
  .describe('Validate and estimate; store and queue nothing');

/** `{id}` of the job routes; any string, so a malformed id is a 404 like an unknown one. */
export const jobIdParamsSchema = z.object({ id: z.string().max(64) }).strict();
export const uploadIdParamsSchema = jobIdParamsSchema;

/** `{id}` and `{name}` of the output route. */
export const outputParamsSchema = z
  .object({ id: z.string().max(64), name: z.string().max(128) })
  .strict();

/** `GET /v1/jobs/{id}` query: the optional long poll. */
export const getJobQuerySchema = z
  .object({
    wait: z.coerce
      .number()
      .min(0)
      .max(60)
      .optional()
      .describe('Seconds to hold the request until the job finishes (long poll)'),
  })
  .strict();

/** `GET /v1/jobs` query: filters and cursor pagination. */
export const listJobsQuerySchema = z
  .object({
    status: z.enum(JOB_STATUSES).optional(),
    type: z.enum(JOB_TYPES).optional(),
    batch_id: z.string().optional().describe("Only this batch's jobs, in item order"),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(64).optional().describe('next_cursor of the previous page'),
  })
  .strict();
export type ListJobsQuery = z.infer<typeof listJobsQuerySchema>;

/** A page of jobs, newest first. */
export const jobListSchema = z.object({
  object: z.literal('list'),
  data: z.array(jobViewSchema),
  next_cursor: z.string().nullable(),
});
export type JobList = z.infer<typeof jobListSchema>;

/** Every route may answer with the error envelope. */
export const errorResponses = {
  '4xx': errorEnvelopeSchema,
  '5xx': errorEnvelopeSchema,
};
