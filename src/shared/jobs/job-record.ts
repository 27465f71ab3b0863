import { z } from 'zod';
import { jobEstimateSchema } from '../usage/estimate.ts';
import { usageSchema } from '../usage/usage.ts';
import { webhookDeliverySchema } from '../webhooks/webhook-deliveries.ts';
import { JOB_STATUSES, JOB_TYPES } from './job-types.ts';
import { jobRequestSchema } from './job-request.ts';
import { jobSourceSchema } from './job-source.ts';

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
  /** The upstream history item of the call whose output the job kept. */
  history_item_id: z.string().nullable(),
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

/** Terminal statuses, the ones a finish moves a job to. */
export const FINAL_STATUSES = ['succeeded', 'failed', 'canceled'] as const;
export type FinalStatus = (typeof FINAL_STATUSES)[number];

/**
 * A finish on its way (see `src/shared/lifecycle/finish-job.ts`): written onto the record by the
 * one run (or API call) allowed to finish the job, before job.json; moved into the record's own
 * fields by the commit. While it is there the job still reads as before, no new run may start,
 * and whoever delivers the job next completes this finish instead of running it again.
 */
export const finishIntentSchema = z.object({
  /** Unique per intent: the commit applies only the intent it read. */
  id: z.string(),
  status: z.enum(FINAL_STATUSES),
  finished_at: z.string(),
  /** The run that wrote it; null for finishes made outside a run (an API cancel, a stall). */
  run_id: z.string().nullable(),
  /** The record fields the commit sets besides status and finished_at. */
  patch: z.record(z.string(), z.unknown()),
});
export type FinishIntent = z.infer<typeof finishIntentSchema>;

/**
 * The version of the stored form written by this release. Records of any version are read
 * leniently (job-record-codec.ts): unknown fields kept, fields added since filled in.
 */
export const JOB_RECORD_VERSION = 7;

export const jobRecordSchema = z.object({
  /** The stored form's version (1: before fencing, when the field did not exist; 3: usage; 4: estimate; 5: the compact layout of job-record-codec.ts; 6: a more compact one; 7: the request without its defaults). */
  record_version: z.number().int(),
  id: z.string(),
  owner: z.string(),
  type: z.enum(JOB_TYPES),
  status: z.enum(JOB_STATUSES),
  batch_id: z.string().nullable(),
  /** How the job came in (api, batch, gateway); read as api or batch on older records. */
  source: jobSourceSchema,
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
  /**
   * Every upstream call of the job summed, failed ones included: written call by call by the
   * usage ledger (never by a status change), so it keeps counting across retries.
   */
  usage: usageSchema,
  /**
   * What the request should cost, fixed at intake (estimate.ts), kept beside `usage` so a
   * finished job shows how far the two differed. Null characters: unknown before a run.
   */
  estimate: jobEstimateSchema,
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
  /**
   * The fencing token: the run allowed to finish the job now. Each delivery that claims the job
   * gets a new one, so a run that lost its lock can no longer finish it (nor move it back).
   */
  run_id: z.string().nullable(),
  /** Runs started so far (claims), takeovers included: calls ≤ runs (reliability.md). */
  runs: z.number().int(),
  /** Runs that started while an earlier run still held the job (its lock had expired). */
  takeovers: z.number().int(),
  finishing: finishIntentSchema.nullable(),
  /**
   * The deployment whose intake accepted the job (its storage's marker): a worker of another
   * deployment refuses it. Null on records written before deployments were marked.
   */
  deployment: z.string().nullable(),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

/**
 * A request as a job shows it: what its intake accepted, whichever release that was. Today's
 * intake rules (jobRequestSchema) may be stricter, or know fewer fields: answers must not fail
 * on them, so responses describe the request loosely.
 */
export const acceptedRequestSchema = z
  .looseObject({
    type: z.enum(JOB_TYPES),
    params: z.record(z.string(), z.unknown()),
  })
  .describe('The normalized request as accepted: upstream defaults and the seed filled in');

/** The public view: no owner, no storage keys, no internal flags. */
export const jobViewSchema = jobRecordSchema
  .omit({
    owner: true,
    input: true,
    outputs: true,
    cancel_requested: true,
    record_version: true,
    run_id: true,
    finishing: true,
    deployment: true,
    cache_scope: true,
  })
  .extend({
    object: z.literal('job'),
    request: acceptedRequestSchema,
    outputs: z.array(jobOutputSchema),
  });
export type JobView = z.infer<typeof jobViewSchema>;
