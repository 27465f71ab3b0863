import type { Config } from '../../shared/config.ts';
import { AppError, ValidationError, type ErrorDetail } from '../../shared/errors.ts';
import type { JobRequest } from '../../shared/jobs/job-request.ts';
import type { JobRecord, ResolvedInput } from '../../shared/jobs/job-record.ts';
import { newJobRecord } from '../../shared/jobs/new-job-record.ts';
import { seedFor } from '../../shared/jobs/seed-policy.ts';
import { checkUrlSyntax } from '../../shared/net/url-guard.ts';
import { webhookProblems } from '../../shared/webhooks/webhook-target.ts';
import type { UploadStore } from '../../shared/uploads/upload-store.ts';
import type { JobQueue } from './job-queue.ts';
import type { StagedUpload, UploadService } from './upload-service.ts';

/** What intake needs: the URL policy, the stores, upload staging and the queue. */
export type JobIntakeDeps = {
  config: Config;
  /** The deployment this intake accepts for (its storage's marker), stamped on every job. */
  deployment: string;
  uploads: UploadStore;
  uploadService: UploadService;
  queue: JobQueue;
};

/**
 * `POST /v1/jobs` once the body has passed its schema: checks what a schema cannot (the
 * upload exists and is the caller's, the URL is allowed), fixes the seed, records the job and
 * queues it. Every check runs before the first write, so a refused request leaves nothing.
 */
export class JobIntake {
  constructor(private readonly deps: JobIntakeDeps) {}

  /** `staged`: the audio of a one-shot form, recorded here once the request is accepted. */
  async create(
    owner: string,
    request: JobRequest,
    staged: StagedUpload | null,
  ): Promise<JobRecord> {
    this.checkWebhook(request);
    const input = await this.resolveInput(owner, request, staged);
    if (staged) await this.deps.uploadService.commit(owner, staged);
    const record = newJobRecord({
      owner,
      request,
      seed: seedFor(request),
      input,
      batchId: null,
      createdAt: new Date().toISOString(),
      deployment: this.deps.deployment,
    });
    await this.deps.queue.create(record);
    return record;
  }

  /** A job's own webhook follows the batch rules: signing configured, URL allowed. */
  private checkWebhook(request: JobRequest): void {
    const { config } = this.deps;
    const problems = webhookProblems(
      request.webhook,
      { allowPrivate: config.ALLOW_PRIVATE_URLS, signingConfigured: !!config.WEBHOOK_SECRET },
      'webhook.url',
    );
    if (problems.length) throw new ValidationError('The job webhook is invalid.', problems);
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
      } else {
        // Another key's upload is "not found" too: existence must not leak across keys.
        problems.push({ field: 'input.upload_id', message: 'upload not found', code: 'not_found' });
      }
    } else if (input.url !== undefined) {
      try {
        const policy = { allowPrivate: this.deps.config.ALLOW_PRIVATE_URLS };
        checkUrlSyntax(input.url, policy, 'input.url');
        resolved = { key: null, url: input.url, sha256: null, bytes: null, content_type: null };
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        problems.push(...error.details);
      }
    }
    if (problems.length) throw new ValidationError('The job input is invalid.', problems);
    return resolved;
  }
}
