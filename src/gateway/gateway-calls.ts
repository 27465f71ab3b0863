import type { Logger } from '../shared/logger.ts';
import { jobRequestSchema } from '../shared/jobs/job-request.ts';
import type { JobRecord } from '../shared/jobs/job-record.ts';
import { isFinished } from '../shared/jobs/job-types.ts';
import type { ObjectStorage } from '../shared/storage/object-storage.ts';
import type { ApiServices } from '../api/services/api-services.ts';
import type { StagedUpload } from '../api/services/upload-service.ts';
import { validationFailed } from '../api/validation.ts';
import { succeededAnswer, type UpstreamAnswer } from './upstream-answer.ts';
import { failedAnswer } from './upstream-errors.ts';
import { toJobRequest, type WireCall } from './wire-requests.ts';

/** The services a call goes through (the REST intake's), and the storage its answer is read from. */
export interface GatewayCallsDeps {
  services: ApiServices;
  storage: ObjectStorage;
  logger: Logger;
}

/**
 * One wait of the long poll `GET /v1/jobs/{id}?wait=` uses, repeated until the job ends: a call
 * has no deadline of its own beyond its job's (the SDK's own timeout ends it from outside).
 */
const WAIT_SLICE_SECONDS = 30;

/**
 * An upstream call made a job: the same intake as `POST /v1/jobs` (validation, seed,
 * fingerprint, cache, queue), recorded with `source: "gateway"`; then the job's end awaited
 * and its outputs answered in the upstream's wire format. A caller that leaves cancels its
 * job, unless the job already ended (a cache hit ends at once).
 */
export class GatewayCalls {
  constructor(private readonly deps: GatewayCallsDeps) {}

  /** `staged`: the audio of a multipart call; discarded if the call is refused. */
  async answer(
    owner: string,
    call: WireCall,
    staged: StagedUpload | null,
    gone: AbortSignal,
  ): Promise<UpstreamAnswer> {
    const { services } = this.deps;
    let record: JobRecord;
    try {
      const parsed = jobRequestSchema.safeParse(toJobRequest(call));
      if (!parsed.success) throw validationFailed(parsed.error.issues);
      const created = await services.idempotentIntake.create(
        owner,
        parsed.data,
        staged,
        undefined,
        'gateway',
      );
      record = created.resource;
    } catch (error) {
      await services.uploads.discard(staged);
      throw error;
    }
    const finished = await this.waitForEnd(owner, record.id, gone);
    if (!finished) return this.cancel(owner, record.id);
    if (finished.status === 'succeeded') {
      return succeededAnswer(this.deps.storage, finished, call.endpoint);
    }
    return failedAnswer(finished);
  }

  /** The finished record, or null when the caller left first. */
  private async waitForEnd(
    owner: string,
    id: string,
    gone: AbortSignal,
  ): Promise<JobRecord | null> {
    const { reads } = this.deps.services;
    for (;;) {
      const view = await reads.get(owner, id, WAIT_SLICE_SECONDS, gone);
      if (isFinished(view.status)) return reads.record(owner, id);
      if (gone.aborted) return null;
    }
  }

  /** The caller left: nobody will read this job's answer, so stop paying for it. */
  private async cancel(owner: string, id: string): Promise<UpstreamAnswer> {
    try {
      const { record } = await this.deps.services.control.cancel(owner, id);
      this.deps.logger.info({ job_id: id }, 'gateway caller left: job canceled');
      return failedAnswer(record);
    } catch (error) {
      // It ended meanwhile (409): nothing left to stop.
      this.deps.logger.info({ job_id: id, err: error }, 'gateway caller left after its job ended');
      return failedAnswer(await this.deps.services.reads.record(owner, id));
    }
  }
}
