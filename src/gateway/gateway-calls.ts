import type { Logger } from '../shared/logger.ts';
import { jobRequestSchema } from '../shared/jobs/job-request.ts';
import type { JobRecord } from '../shared/jobs/job-record.ts';
import { isFinished, JOB_CLASS_OF, type JobClass } from '../shared/jobs/job-types.ts';
import type { PauseReason } from '../shared/queue/queue-pause.ts';
import type { ObjectStorage } from '../shared/storage/object-storage.ts';
import type { ApiServices } from '../api/services/api-services.ts';
import type { StagedUpload } from '../api/services/upload-service.ts';
import { validationFailed } from '../api/validation.ts';
import { succeededAnswer, type UpstreamAnswer } from './upstream-answer.ts';
import { failedAnswer, quotaAnswer } from './upstream-errors.ts';
import { toJobRequest, type WireCall } from './wire-requests.ts';

/** The services a call goes through (the REST intake's), and the storage its answer is read from. */
export interface GatewayCallsDeps {
  services: ApiServices;
  storage: ObjectStorage;
  logger: Logger;
  /** Why a class queue is paused (queue-pause.ts), or null. */
  pauseReasonOf: (jobClass: JobClass) => Promise<PauseReason | null>;
}

/**
 * One wait of the long poll `GET /v1/jobs/{id}?wait=` uses, repeated until the job ends: a call
 * has no deadline of its own beyond its job's (the SDK's own timeout ends it from outside).
 * Between two waits the call checks that its queue is not paused for quota.
 */
const WAIT_SLICE_SECONDS = 2;

/** How a wait ended: the job's end, the caller leaving, or the account out of quota. */
type WaitEnd =
  | { kind: 'finished'; record: JobRecord }
  | { kind: 'gone' }
  | { kind: 'quota'; reason: PauseReason };

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
    const end = await this.waitForEnd(owner, record, gone);
    if (end.kind === 'gone') return this.cancel(owner, record.id);
    if (end.kind === 'quota') {
      // The upstream said the account is out of credits: answer as it did, and do not leave
      // the job to run unread whenever an operator resumes the queue.
      await this.cancel(owner, record.id);
      return quotaAnswer(end.reason.message);
    }
    if (end.record.status === 'succeeded') {
      return succeededAnswer(this.deps.storage, end.record, call.endpoint);
    }
    return failedAnswer(end.record);
  }

  private async waitForEnd(owner: string, job: JobRecord, gone: AbortSignal): Promise<WaitEnd> {
    const { reads } = this.deps.services;
    for (;;) {
      const view = await reads.get(owner, job.id, WAIT_SLICE_SECONDS, gone);
      if (isFinished(view.status))
        return { kind: 'finished', record: await reads.record(owner, job.id) };
      if (gone.aborted) return { kind: 'gone' };
      const paused = await this.deps.pauseReasonOf(JOB_CLASS_OF[job.type]);
      if (view.status === 'queued' && paused?.code === 'quota_exceeded') {
        return { kind: 'quota', reason: paused };
      }
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
