import { z } from 'zod';
import { batchViewSchema } from '../shared/batches/batch-record.ts';
import {
  jobErrorSchema,
  jobOutputSchema,
  jobViewSchema,
  upstreamSummarySchema,
} from '../shared/jobs/job-record.ts';
import { JOB_STATUSES } from '../shared/jobs/job-types.ts';
import { batchEstimateSchema, jobEstimateSchema } from '../shared/usage/estimate.ts';
import { usageSchema } from '../shared/usage/usage.ts';

/**
 * Response shapes the CLI reads. Batch and job views come from src/shared, where the service
 * declares them. The envelope, upload, list and result-line shapes are declared in src/api
 * (which the CLI may not import) or nowhere, so the CLI keeps the few fields it reads here.
 */

/** A job as shown. `request` is kept opaque: re-validating a newer server's request would fail. */
export const jobSchema = jobViewSchema.extend({
  request: z.record(z.string(), z.unknown()),
  // Optional: servers from before usage (and estimates) do not send them.
  usage: usageSchema.optional(),
  estimate: jobEstimateSchema.optional(),
  upstream: upstreamSummarySchema
    .extend({ history_item_id: z.string().nullable().optional() })
    .nullable(),
});
export type Job = z.infer<typeof jobSchema>;
export type JobOutput = z.infer<typeof jobOutputSchema>;

/** `usage`, `estimate` and `matrix` optional: servers from before them do not send them. */
export const batchSchema = batchViewSchema.extend({
  usage: usageSchema.optional(),
  estimate: batchViewSchema.shape.estimate.optional(),
  matrix: batchViewSchema.shape.matrix.optional(),
});
export type Batch = z.infer<typeof batchSchema>;

/** `POST /v1/batches?dry_run=true`: the fields the CLI reads (batchDryRunSchema in src/api). */
export const batchDryRunSchema = z.object({
  total: z.number().int(),
  estimate: batchEstimateSchema,
});
export type BatchDryRun = z.infer<typeof batchDryRunSchema>;

export const batchListSchema = z.object({
  data: z.array(batchSchema),
  next_cursor: z.string().nullable(),
});

/** `POST /v1/uploads` (uploadViewSchema in src/api/schemas.ts). */
export const uploadSchema = z.object({
  id: z.string(),
  bytes: z.number().int(),
  sha256: z.string(),
  content_type: z.string(),
});
export type Upload = z.infer<typeof uploadSchema>;

/** A page of `GET /v1/uploads` (uploadListSchema in src/api/schemas.ts). */
export const uploadListSchema = z.object({
  data: z.array(uploadSchema),
  next_cursor: z.string().nullable(),
});

/** One line of `GET /v1/batches/{id}/results` (written by resultLine in src/shared/batches). */
export const resultLineSchema = z.object({
  custom_id: z.string(),
  job_id: z.string(),
  status: z.enum(JOB_STATUSES),
  seed: z.number().int().nullable().optional(),
  fingerprint: z.string().nullable().optional(),
  outputs: z.array(jobOutputSchema),
  error: jobErrorSchema.nullable(),
});
export type ResultLine = z.infer<typeof resultLineSchema>;

/** The error envelope every route answers errors with (errorEnvelopeSchema in src/api). */
export const errorEnvelopeSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z
      .array(z.object({ field: z.string(), message: z.string(), code: z.string().optional() }))
      .default([]),
    request_id: z.string().optional(),
  }),
});

/** A page of `GET /v1/jobs` or `/v1/batches/{id}/jobs` (jobListSchema in src/api/schemas.ts). */
export const jobListSchema = z.object({
  data: z.array(jobSchema),
  next_cursor: z.string().nullable(),
});
