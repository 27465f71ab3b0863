import { z } from 'zod';
import { matrixSchema } from './matrix.ts';
import { usageSchema } from '../usage/usage.ts';
import { webhookDeliverySchema } from '../webhooks/webhook-deliveries.ts';
import { webhookTargetSchema } from '../webhooks/webhook-target.ts';

/**
 * A batch as stored and as shown. What never changes after intake (owner, seed, labels) is the
 * record; what moves with every job (counts, lifecycle) is the state, kept apart so a poll
 * reads two small hashes however many jobs the batch has.
 */

export const BATCH_STATUSES = ['queued', 'running', 'paused', 'completed', 'canceled'] as const;

/** Why a batch starts no new upstream call until resumed: its `max_characters` was reached. */
export const BATCH_PAUSE_REASONS = ['budget_exhausted'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** The results file of the batch's last completion, as written to storage. */
export const batchResultsFileSchema = z.object({
  /** Which completion wrote it: 1 for the first, +1 after each retry that completes again. */
  generation: z.number().int(),
  lines: z.number().int(),
  bytes: z.number().int(),
  sha256: z.string(),
  written_at: z.string(),
});
export type BatchResultsFile = z.infer<typeof batchResultsFileSchema>;

export const batchRecordSchema = z.object({
  id: z.string(),
  owner: z.string(),
  name: z.string().nullable(),
  /** Every item's seed derives from it and the item's custom_id. */
  seed: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
  webhook: webhookTargetSchema.nullable(),
  created_at: z.string(),
  results: batchResultsFileSchema.nullable().default(null),
  /** The budget given at intake (null: none); resume may raise it (the state holds the live one). */
  max_characters: z.number().int().nullable().default(null),
  /** The items' estimates summed at intake (estimate.ts); null on batches from before them. */
  estimate: z
    .object({ characters: z.number().int(), unknown_items: z.number().int() })
    .nullable()
    .default(null),
  webhook_deliveries: z.array(webhookDeliverySchema).default([]),
  /** The matrix its items were expanded by (null: none, or a batch from before matrices). */
  matrix: matrixSchema.nullable().default(null),
});
export type BatchRecord = z.infer<typeof batchRecordSchema>;

const count = z.coerce.number().int().default(0);
const flag = z
  .enum(['0', '1'])
  .default('0')
  .transform((value) => value === '1');
const millis = z.coerce.number().int().optional();

/** The live state hash, as HGETALL returns it (strings). */
export const batchStateSchema = z.object({
  total: count,
  queued: count,
  running: count,
  succeeded: count,
  failed: count,
  canceled: count,
  /** Completions so far (see batch-counts.ts). */
  generation: count,
  /** The last generation whose results file and batch.completed were produced. */
  finalized: count,
  /** Every job finished. */
  complete: flag,
  cancel_requested: flag,
  /** When the current run started (first job running, or the reopening retry), ms. */
  started_at: millis,
  /** When the current run completed, ms. */
  finished_at: millis,
  /** Jobs already finished when the current run started (rate counts only this run's). */
  run_base: count,
  /** Usage of every job's calls so far, kept by the usage ledger call by call. */
  usage_characters: count,
  usage_calls: count,
  usage_billed_calls: count,
  /** The live budget (intake's, or a resume's); absent: none. */
  max_characters: millis,
  /** Set when a job found the budget spent; cleared by resume. */
  paused_reason: z.enum(BATCH_PAUSE_REASONS).optional(),
  /**
   * Where the batch's intake stands: `writing` records (the batch is invisible), `queueing`
   * their work items (visible, and queued in full sooner or later), `rolling_back` (never
   * committed, being removed); absent once done.
   */
  intake: z.enum(['writing', 'queueing', 'rolling_back']).optional(),
});
export type BatchState = z.infer<typeof batchStateSchema>;

export const batchCountsSchema = z.object({
  total: z.number().int(),
  queued: z.number().int(),
  running: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  canceled: z.number().int(),
});

export const batchProgressSchema = z.object({
  finished: z.number().int(),
  /** finished / total, 0 – 1. */
  fraction: z.number(),
  /** Jobs finished per second in the current run; null before any finished. */
  rate_per_second: z.number().nullable(),
  /** Seconds left at that rate; 0 when complete; null when unknown. */
  eta_seconds: z.number().nullable(),
});

export const batchViewSchema = z.object({
  id: z.string(),
  object: z.literal('batch'),
  name: z.string().nullable(),
  status: z.enum(BATCH_STATUSES),
  seed: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
  webhook: webhookTargetSchema.nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  cancel_requested: z.boolean(),
  counts: batchCountsSchema,
  progress: batchProgressSchema,
  /** Every upstream call of the batch's jobs, summed as they happen (failed calls included). */
  usage: usageSchema,
  /** Upstream calls stop once `usage.characters` reaches it (in-flight calls finish); null: no cap. */
  max_characters: z.number().int().nullable(),
  /**
   * The estimate beside the usage: `difference` is usage minus estimate, kept live like usage.
   * Null for batches accepted before estimates were recorded.
   */
  estimate: z
    .object({
      characters: z.number().int().describe('The items’ estimates summed at intake'),
      unknown_items: z
        .number()
        .int()
        .describe('Items without an estimate (input duration unknown before a run)'),
      difference: z
        .number()
        .int()
        .describe(
          'usage.characters − estimate.characters: above 0 the run cost more (retries, billed failures), below 0 less (cache hits, cancels, calls still to come)',
        ),
    })
    .nullable(),
  /** Why the batch is `paused`; null otherwise. */
  paused_reason: z.enum(BATCH_PAUSE_REASONS).nullable(),
  /** How many times every item has finished (retries that complete again add one). */
  completions: z.number().int(),
  /** The results file written at the last completion; null before the first. */
  results: batchResultsFileSchema.nullable(),
  results_url: z.string().describe('NDJSON, one line per item (GET)'),
  webhook_deliveries: z.array(webhookDeliverySchema),
  /** The matrix given at intake; `counts.total` is items × combinations. */
  matrix: matrixSchema.nullable(),
});
export type BatchView = z.infer<typeof batchViewSchema>;
