import type { Config } from '../../shared/config.ts';
import {
  AppError,
  ServiceUnavailableError,
  ValidationError,
  type ErrorDetail,
} from '../../shared/errors.ts';
import type { JobRequest } from '../../shared/jobs/job-request.ts';
import type { JobRecord, ResolvedInput } from '../../shared/jobs/job-record.ts';
import type { JobSource } from '../../shared/jobs/job-source.ts';
import { resolveFfmpeg, type FfmpegBinary } from '../../shared/media/ffmpeg-binary.ts';
import { newJobRecord } from '../../shared/jobs/new-job-record.ts';
import { seedFor } from '../../shared/jobs/seed-policy.ts';
import { cacheScopeOf } from '../../shared/tenants/cache-groups.ts';
import type { QueuedJobs } from '../../shared/tenants/queued-jobs.ts';
import type { HostResolver } from '../../shared/net/host-resolver.ts';
import { checkUrlAllowed } from '../../shared/net/url-guard.ts';
import { webhookProblems } from '../../shared/webhooks/webhook-target.ts';
import { inputFormatProblems } from '../../shared/uploads/input-format.ts';
import type { UploadStore } from '../../shared/uploads/upload-store.ts';
import { estimateCharacters, pricesOf } from '../../shared/usage/estimate.ts';
import type { CacheIntake } from './cache-intake.ts';
import type { JobQueue } from './job-queue.ts';
import type { JobDryRun } from './job-schemas.ts';
import { assertToolsAvailable } from './tool-checks.ts';
import type { StagedUpload, UploadService } from './upload-service.ts';

/** What intake needs: the URL policy, the stores, upload staging and the queue. */
export type JobIntakeDeps = {
  config: Config;
  /** The deployment this intake accepts for (its storage's marker), stamped on every job. */
  deployment: string;
  uploads: UploadStore;
  uploadService: UploadService;
  queue: JobQueue;
  queued: QueuedJobs;
  /** Answers a cache hit here, with the finished job, instead of queueing it. */
  cacheIntake: CacheIntake;
  /** DNS for URL checks; the system resolver when absent. */
  resolveHost?: HostResolver | undefined;
  /** Where ffmpeg is (a dub's mix runs it); the machine's when absent. */
  ffmpeg?: (() => FfmpegBinary) | undefined;
};

/**
 * `POST /v1/jobs` once the body has passed its schema: checks what a schema cannot (the
 * upload exists and is the caller's, the URL is allowed), fixes the seed, records the job and
 * queues it, or answers it from the cache at once (cache-intake.ts). Every check runs before
 * the first write, so a refused request leaves nothing.
 */
export class JobIntake {
  constructor(private readonly deps: JobIntakeDeps) {}

  /**
   * `staged`: the audio of a one-shot form, recorded here once the request is accepted.
   * `source`: which front door took the request (`gateway` for the upstream's own routes).
   */
  async create(
    owner: string,
    request: JobRequest,
    staged: StagedUpload | null,
    source: JobSource = 'api',
  ): Promise<JobRecord> {
    const { input, estimate } = await this.validate(owner, request, staged);
    const record = newJobRecord({
      owner,
      cacheScope: cacheScopeOf(this.deps.config.CACHE_GROUPS, owner),
      request,
      seed: seedFor(request),
      input,
      batchId: null,
      source,
      createdAt: new Date().toISOString(),
      deployment: this.deps.deployment,
      estimate,
    });
    if (await this.deps.cacheIntake.canAnswer(record)) {
      // Never queued, so never counted against the tenant's queued jobs.
      if (staged) await this.deps.uploadService.commit(owner, staged);
      return this.deps.cacheIntake.answer(record);
    }
    // Last check before the first write: a refusal here leaves nothing behind either.
    await this.deps.queued.admit(owner, [record.id]);
    try {
      if (staged) await this.deps.uploadService.commit(owner, staged);
      // The record and its work item, in one transaction.
      await this.deps.queue.create(record);
    } catch (error) {
      await this.deps.queued.release(owner, [record.id]).catch(() => undefined);
      throw error;
    }
    return record;
  }

  /**
   * `?dry_run=true`: every check `create` makes, and the estimate; nothing is stored or
   * queued (a one-shot form's staged audio is the caller's to discard).
   */
  async dryRun(
    owner: string,
    request: JobRequest,
    staged: StagedUpload | null,
  ): Promise<JobDryRun> {
    const { estimate } = await this.validate(owner, request, staged);
    return {
      object: 'job_validation',
      valid: true,
      type: request.type,
      estimate: { characters: estimate },
    };
  }

  /** Every check before the first write, and what the request should cost (estimate.ts). */
  private async validate(owner: string, request: JobRequest, staged: StagedUpload | null) {
    assertToolsAvailable(request, (this.deps.ffmpeg ?? resolveFfmpeg)());
    await this.checkWebhook(request);
    const input = await this.resolveInput(owner, request, staged);
    return { input, estimate: estimateCharacters(request, input, pricesOf(this.deps.config)) };
  }

  /** A job's own webhook follows the batch rules: signing configured, URL allowed. */
  private async checkWebhook(request: JobRequest): Promise<void> {
    const { config } = this.deps;
    const problems = webhookProblems(
      request.webhook,
      { allowPrivate: config.ALLOW_PRIVATE_URLS, signingConfigured: !!config.WEBHOOK_SECRET },
      'webhook.url',
    );
    if (problems.length) throw new ValidationError('The job webhook is invalid.', problems);
    if (request.webhook) await this.checkUrl(request.webhook.url, 'webhook.url');
  }

  /**
   * Resolves the URL's host now: a refused or unresolvable URL is a 422 whose detail says which
   * (`url_not_allowed`, `url_unresolvable`); a resolver that cannot answer now is a 503.
   */
  private async checkUrl(url: string, field: string): Promise<void> {
    const policy = { allowPrivate: this.deps.config.ALLOW_PRIVATE_URLS };
    try {
      await checkUrlAllowed(url, policy, field, this.deps.resolveHost);
    } catch (error) {
      if (error instanceof AppError)
        throw new ValidationError(`The URL in ${field} is refused.`, error.details);
      throw new ServiceUnavailableError(
        `The host of ${field} could not be resolved now; retry shortly.`,
        error,
      );
    }
  }

  /** The input as the worker needs it, or a 422 listing what is wrong with it. */
  private async resolveInput(
    owner: string,
    request: JobRequest,
    staged: StagedUpload | null,
  ): Promise<ResolvedInput | null> {
    // Not every job type takes input audio (dialogue and music do not).
    const input = 'input' in request ? request.input : undefined;
    if (!input) return null;
    const problems: ErrorDetail[] = [];
    let resolved: ResolvedInput | null = null;
    if (input.upload_id !== undefined) {
      const upload =
        staged?.id === input.upload_id
          ? {
              key: staged.key,
              sha256: staged.sha256,
              bytes: staged.bytes,
              content_type: staged.contentType,
            }
          : await this.deps.uploads.getOwned(input.upload_id, owner);
      if (upload) {
        const { key, sha256, bytes, content_type } = upload;
        resolved = { key, url: null, sha256, bytes, content_type };
        problems.push(...inputFormatProblems(request, content_type));
      } else {
        // Another key's upload is "not found" too: existence must not leak across keys.
        problems.push({ field: 'input.upload_id', message: 'upload not found', code: 'not_found' });
      }
    } else if (input.url !== undefined) {
      await this.checkUrl(input.url, 'input.url');
      resolved = { key: null, url: input.url, sha256: null, bytes: null, content_type: null };
    }
    if (problems.length) throw new ValidationError('The job input is invalid.', problems);
    return resolved;
  }
}
