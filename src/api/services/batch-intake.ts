import type { BatchRecord } from '../../shared/batches/batch-record.ts';
import { resolveFfmpeg, type FfmpegBinary } from '../../shared/media/ffmpeg-binary.ts';
import type { BatchStore, StoredBatch } from '../../shared/batches/batch-store.ts';
import type { Config } from '../../shared/config.ts';
import { ValidationError } from '../../shared/errors.ts';
import { newId } from '../../shared/ids.ts';
import { randomSeed } from '../../shared/jobs/seeds.ts';
import type { HostResolver } from '../../shared/net/host-resolver.ts';
import { cacheScopeOf } from '../../shared/tenants/cache-groups.ts';
import type { QueuedJobs } from '../../shared/tenants/queued-jobs.ts';
import type { JobType } from '../../shared/jobs/job-types.ts';
import { estimateItems, pricesOf } from '../../shared/usage/estimate.ts';
import type { UploadStore } from '../../shared/uploads/upload-store.ts';
import { webhookProblems, type WebhookPolicy } from '../../shared/webhooks/webhook-target.ts';
import type {
  BatchCacheAnswers,
  BatchCacheCandidate,
  BatchCacheHit,
} from './batch-cache-answers.ts';
import { resolveInputs } from './batch-inputs.ts';
import { checkBatchUrls } from './batch-urls.ts';
import { validateItems, type BatchItem } from './batch-items.ts';
import { expandMatrix } from './batch-matrix.ts';
import { BatchProblems } from './batch-problems.ts';
import { itemRecord } from './batch-records.ts';
import type { BatchDryRun, BatchSubmission } from './batch-schemas.ts';
import { writeBatch, type BatchWriterDeps } from './batch-writer.ts';

export type BatchIntakeDeps = BatchWriterDeps & {
  config: Config;
  uploads: UploadStore;
  batches: BatchStore;
  /** The deployment stamped on every job (only its workers run them). */
  deployment: string;
  queued: QueuedJobs;
  /** DNS for URL checks; the system resolver when absent. */
  resolveHost?: HostResolver | undefined;
  /** Where ffmpeg is (a dub's mix runs it); the machine's when absent. */
  ffmpeg?: (() => FfmpegBinary) | undefined;
  /** Items the cache answers, answered here rather than by workers. */
  cacheAnswers: BatchCacheAnswers;
};

/** A submission's fate: stored and queued, or (dry run) only validated. */
export type IntakeOutcome =
  { kind: 'created'; batch: StoredBatch } | { kind: 'validated'; result: BatchDryRun };

/**
 * `POST /v1/batches` once the envelope passed its schema: validates every item (defaults
 * merged, custom_ids unique, uploads the caller's, URLs allowed), fixes every seed, and only
 * then writes anything. A refused batch leaves nothing; a dry run stops before the first write.
 * Items the cache answers (a rerun) are answered by this process once the batch is accepted
 * (batch-cache-answers.ts), not by workers.
 */
export class BatchIntake {
  constructor(private readonly deps: BatchIntakeDeps) {}

  async create(
    owner: string,
    submission: BatchSubmission,
    dryRun: boolean,
  ): Promise<IntakeOutcome> {
    const items = await this.validate(owner, submission);
    const estimate = estimateItems(items, pricesOf(this.deps.config));
    const types: Partial<Record<JobType, number>> = {};
    for (const { request } of items) types[request.type] = (types[request.type] ?? 0) + 1;
    if (dryRun) {
      const result: BatchDryRun = {
        object: 'batch_validation',
        valid: true,
        total: items.length,
        types,
        seed: submission.seed ?? null,
        estimate,
      };
      return { kind: 'validated', result };
    }

    const batch: BatchRecord = {
      id: newId('bat'),
      owner,
      name: submission.name ?? null,
      seed: submission.seed ?? randomSeed(),
      metadata: submission.metadata ?? {},
      webhook: submission.webhook ?? null,
      created_at: new Date().toISOString(),
      results: null,
      max_characters: submission.max_characters ?? null,
      estimate: { characters: estimate.characters, unknown_items: estimate.unknown_items },
      webhook_deliveries: [],
      matrix: submission.matrix ?? null,
    };
    const context = {
      owner,
      cacheScope: cacheScopeOf(this.deps.config.CACHE_GROUPS, owner),
      batchId: batch.id,
      batchSeed: batch.seed,
      createdAt: batch.created_at,
      deployment: this.deps.deployment,
    };
    // Ids first, in item order: the queued-jobs cap admits the whole batch or none of it.
    const numbered = items.map((item, i) => ({
      ...item,
      id: newId('job'),
      estimate: estimate.items[i]?.characters ?? null,
    }));
    const ids = numbered.map((item) => item.id);
    await this.deps.queued.admit(owner, ids);
    const hits: BatchCacheHit[] = [];
    let netsQueuedAt: number | null = null;
    try {
      await writeBatch(
        this.deps,
        batch,
        numbered,
        (item) => itemRecord(context, item),
        async (records) => {
          const candidates: BatchCacheCandidate[] = [];
          for (const { request, fingerprint, id, type } of records) {
            if (request.cache === 'use' && fingerprint !== null)
              candidates.push({ id, fingerprint, type, owner, scope: context.cacheScope });
          }
          if (candidates.length === 0) return null;
          netsQueuedAt ??= Date.now();
          const found = await this.deps.cacheAnswers.select(candidates);
          hits.push(...found);
          const delayMs = this.deps.config.CACHE_INTAKE_RECOVERY_MS;
          return { ids: new Set(found.map((hit) => hit.id)), delayMs };
        },
      );
    } catch (error) {
      await this.deps.queued.release(owner, ids).catch(() => undefined);
      throw error;
    }
    const stored = await this.deps.batches.get(batch.id);
    if (!stored) throw new Error(`batch ${batch.id} vanished right after it was written`);
    this.deps.cacheAnswers.start(hits, netsQueuedAt ?? Date.now());
    return { kind: 'created', batch: stored };
  }

  /** Every item valid, with its resolved input; or a 422 listing every problem found. */
  private async validate(owner: string, submission: BatchSubmission) {
    const { config } = this.deps;
    if (submission.items.length > config.MAX_BATCH_ITEMS) {
      throw new ValidationError('The batch is too large.', [
        {
          field: 'items',
          message: `may hold at most ${config.MAX_BATCH_ITEMS} items`,
          code: 'too_big',
        },
      ]);
    }
    const policy: WebhookPolicy = {
      allowPrivate: config.ALLOW_PRIVATE_URLS,
      signingConfigured: config.WEBHOOK_SECRET !== undefined,
    };
    const problems = new BatchProblems();
    for (const detail of webhookProblems(submission.webhook, policy, 'webhook.url'))
      problems.add(null, detail);
    if (submission.defaults && 'custom_id' in submission.defaults) {
      problems.add(null, {
        field: 'defaults.custom_id',
        message: 'must be unique per item, so it cannot be a default',
        code: 'not_allowed',
      });
    }
    // A matrix expands first (defaults merged into each combination), then every combination
    // is validated as an item of its own.
    const expanded = submission.matrix
      ? expandMatrix(
          submission.items,
          submission.defaults,
          submission.matrix,
          config.MAX_BATCH_ITEMS,
          problems,
        )
      : null;
    const ffmpeg = (this.deps.ffmpeg ?? resolveFfmpeg)();
    const requests = expanded
      ? validateItems(expanded.items, undefined, policy, problems, ffmpeg, expanded.itemField)
      : validateItems(submission.items, submission.defaults, policy, problems, ffmpeg);
    await checkBatchUrls(requests, submission.webhook, policy, this.deps.resolveHost, problems);
    const inputs = await resolveInputs(this.deps.uploads, owner, requests, problems);
    problems.throwIfAny();
    // Without problems every request is set: validateItems nulls only refused items.
    return requests.map((request, i) => ({
      request: request as BatchItem,
      input: inputs[i] ?? null,
    }));
  }
}
