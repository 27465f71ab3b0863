import { z } from 'zod';
import { webhookDeliverySchema } from '../webhooks/webhook-deliveries.ts';
import { JOB_STATUSES, JOB_TYPES } from './job-types.ts';
import { jobRequestSchema } from './job-request.ts';

/**
 * What the service knows about a job, as `GET /v1/jobs/{id}` returns it. The Redis record holds
 * the same fields plus the owner and storage keys, which never leave the service.
 */

export const jobOutputSchema = z.object({
  name: z.string().describe('audio, timestamps, captions.vtt, …'),
  content_type: z.string(),
  bytes: z.number().int(),
  sha256: z.string(),
  duration_ms: z.number().int().nullable(),
  url: z.string().optional().describe('Presigned download URL (S3), or this API’s output route'),
});

export const storedOutputSchema = jobOutputSchema.omit({ url: true }).extend({ key: z.string() });
export type StoredOutput = z.infer<typeof storedOutputSchema>;

export const upstreamSummarySchema = z.object({
  endpoint: z.string(),
  request_id: z.string().nullable(),
  character_cost: z.number().nullable(),
  song_id: z.string().nullable(),
  calls: z.number().int(),
});
export type UpstreamSummary = z.infer<typeof upstreamSummarySchema>;

export const jobErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  upstream_status: z.number().int().nullable(),
  upstream_code: z.string().nullable(),
  suggestion: z.unknown().nullable(),
});
export type JobError = z.infer<typeof jobErrorSchema>;

/** Input audio resolved at intake (uploads) or by the worker (URLs). */
export const resolvedInputSchema = z.object({
  key: z.string().nullable(),
  url: z.string().nullable(),
  sha256: z.string().nullable(),
  bytes: z.number().int().nullable(),
  content_type: z.string().nullable(),
});
export type ResolvedInput = z.infer<typeof resolvedInputSchema>;

export const jobRecordSchema = z.object({
  id: z.string(),
  owner: z.string(),
  type: z.enum(JOB_TYPES),
  status: z.enum(JOB_STATUSES),
  batch_id: z.string().nullable(),
  custom_id: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  attempts: z.number().int(),
  seed: z.number().int().nullable(),
  fingerprint: z.string().nullable(),
  cache: z.enum(['miss', 'hit']).nullable(),
  request: jobRequestSchema,
  input: resolvedInputSchema.nullable(),
  outputs: z.array(storedOutputSchema),
  upstream: upstreamSummarySchema.nullable(),
  error: jobErrorSchema.nullable(),
  /** A small JSON answer shown inline (the composition plan of `music_plan`); null otherwise. */
  result: z.unknown().default(null),
  cancel_requested: z.boolean(),
  /**
   * Where the result cache is looked up and stored: the tenant's own scope or its cache group's
   * (`tenant.<id>`, `group.<name>`), fixed at intake. Optional so records written before
   * tenants still read; those use their owner's own scope.
   */
  cache_scope: z.string().optional(),
  /** Webhook delivery attempts, the last 20 (written by the webhook worker). */
  webhook_deliveries: z.array(webhookDeliverySchema).optional(),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

/** The public view: no owner, no storage keys, no internal flags, no cache scope. */
export const jobViewSchema = jobRecordSchema
  .omit({ owner: true, input: true, outputs: true, cancel_requested: true, cache_scope: true })
  .extend({ object: z.literal('job'), outputs: z.array(jobOutputSchema) });
export type JobView = z.infer<typeof jobViewSchema>;
