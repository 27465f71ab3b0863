import type { JobRecord } from '../../shared/jobs/job-record.ts';
import type { JobRequest } from '../../shared/jobs/job-request.ts';
import type { JobSource } from '../../shared/jobs/job-source.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import type { IdempotencyStore, IdempotentOutcome } from './idempotency.ts';
import { requestDigest } from './idempotency.ts';
import type { JobIntake } from './job-intake.ts';
import type { JobReads } from './job-reads.ts';
import type { StagedUpload, UploadService } from './upload-service.ts';

export type IdempotentIntakeDeps = {
  idempotency: IdempotencyStore;
  intake: JobIntake;
  reads: JobReads;
  uploads: UploadService;
  metrics: Metrics;
};

/**
 * `POST /v1/jobs` with its optional `Idempotency-Key`: without one, a plain intake; with one, the
 * intake runs at most once per key and body, and a repeat gets the original job back.
 */
export class IdempotentIntake {
  constructor(private readonly deps: IdempotentIntakeDeps) {}

  async create(
    owner: string,
    request: JobRequest,
    staged: StagedUpload | null,
    key: string | undefined,
    source: JobSource = 'api',
  ): Promise<IdempotentOutcome<JobRecord>> {
    const create = async () => {
      const record = await this.deps.intake.create(owner, request, staged, source);
      // A cache hit answered at intake is counted as it finished (cache-intake.ts).
      if (record.status === 'queued')
        this.deps.metrics.jobs.inc({ type: record.type, status: 'queued' });
      return record;
    };
    if (key === undefined) return { resource: await create(), replayed: false };
    // A one-shot form stores its audio under a fresh upload id each time: compare the bytes.
    const digest = requestDigest(
      staged ? { ...request, input: { audio_sha256: staged.sha256 } } : request,
    );
    const outcome = await this.deps.idempotency.once(
      { owner, scope: 'jobs', key, digest },
      create,
      (id) => this.deps.reads.record(owner, id),
    );
    if (outcome.replayed) {
      await this.deps.uploads.discard(staged);
      this.deps.metrics.idempotentReplays.inc({ scope: 'jobs' });
    }
    return outcome;
  }
}
