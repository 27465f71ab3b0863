import type { Logger } from '../shared/logger.ts';
import { teesAnswer } from '../shared/jobs/answer-stream.ts';
import { jobRequestSchema } from '../shared/jobs/job-request.ts';
import type { JobRecord } from '../shared/jobs/job-record.ts';
import { isFinished, JOB_CLASS_OF, type JobClass } from '../shared/jobs/job-types.ts';
import type { PauseReason } from '../shared/queue/queue-pause.ts';
import type { Redis } from '../shared/redis/connections.ts';
import type { RedisKeys } from '../shared/redis/keys.ts';
import type { ObjectStorage } from '../shared/storage/object-storage.ts';
import type { ApiServices } from '../api/services/api-services.ts';
import type { StagedUpload } from '../api/services/upload-service.ts';
import { validationFailed } from '../api/validation.ts';
import { StreamedAnswer } from './streamed-answer.ts';
import { streamedHeaders, succeededAnswer, type UpstreamAnswer } from './upstream-answer.ts';
import { busyAnswer, failedAnswer, quotaAnswer } from './upstream-errors.ts';
import { toJobRequest, type WireCall } from './wire-requests.ts';

/** The services a call goes through (the REST intake's), and the storage its answer is read from. */
export interface GatewayCallsDeps {
  services: ApiServices;
  storage: ObjectStorage;
  logger: Logger;
  /** The intake's connection: stream readers duplicate it; the job's calls are counted there. */
  redis: Redis;
  keys: RedisKeys;
  /** GATEWAY_MAX_WAIT_MS: the longest a call waits for its first upstream call. */
  maxWaitMs: number;
  /** Why a class queue is paused (queue-pause.ts), or null. */
  pauseReasonOf: (jobClass: JobClass) => Promise<PauseReason | null>;
}

/**
 * One wait of the long poll `GET /v1/jobs/{id}?wait=` uses, repeated until the job ends: a call
 * has no deadline of its own beyond its job's (the SDK's own timeout ends it from outside).
 * Between two waits the call checks that its queue is not paused for quota.
 */
const WAIT_SLICE_SECONDS = 2;

/**
 * How a wait ended: the job's end, the upstream's answer starting (stream calls), the caller
 * leaving, the account out of quota, or no slot within GATEWAY_MAX_WAIT_MS.
 */
type WaitEnd =
  | { kind: 'finished'; record: JobRecord }
  | { kind: 'started' }
  | { kind: 'gone' }
  | { kind: 'quota'; reason: PauseReason }
  | { kind: 'busy' };

/**
 * An upstream call made a job: the same intake as `POST /v1/jobs` (validation, seed,
 * fingerprint, cache, queue), recorded with `source: "gateway"`; then the job's end awaited
 * and its outputs answered in the upstream's wire format. A stream call passes the upstream's
 * bytes on as the worker receives them (answer-tee.ts) instead. A caller that leaves cancels
 * its job, unless the job already ended (a cache hit ends at once).
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
    const record = await this.intake(owner, call, staged);
    // A cache hit has ended already: its answer streams from storage like any other.
    const stream =
      !isFinished(record.status) && teesAnswer(record)
        ? new StreamedAnswer(
            this.deps.redis,
            this.deps.keys.gatewayAnswer(record.id),
            this.deps.logger,
          )
        : null;
    let end: WaitEnd;
    try {
      end = await this.waitForEnd(owner, record, gone, stream);
    } catch (error) {
      stream?.close();
      throw error;
    }
    if (end.kind === 'started' && stream) return this.passThrough(owner, record, stream, gone);
    stream?.close();
    switch (end.kind) {
      case 'started':
      case 'gone':
        return this.cancel(owner, record.id);
      case 'quota':
        // The upstream said the account is out of credits: answer as it did, and do not leave
        // the job to run unread whenever an operator resumes the queue.
        await this.cancel(owner, record.id);
        return quotaAnswer(end.reason.message);
      case 'busy':
        // What the upstream itself answers past its limit; the job would run for nobody.
        await this.cancel(owner, record.id);
        return busyAnswer(this.deps.maxWaitMs);
      case 'finished':
        return end.record.status === 'succeeded'
          ? succeededAnswer(this.deps.storage, end.record, call.endpoint)
          : failedAnswer(end.record);
    }
  }

  private async intake(
    owner: string,
    call: WireCall,
    staged: StagedUpload | null,
  ): Promise<JobRecord> {
    const { services } = this.deps;
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
      return created.resource;
    } catch (error) {
      await services.uploads.discard(staged);
      throw error;
    }
  }

  /**
   * The upstream's bytes, as the worker tees them: the answer's headers now, the body as it
   * comes. The body ends once the job has too (its archive written), so a repeat of the call
   * right after finds the cache; a caller that leaves meanwhile cancels the job.
   */
  private passThrough(
    owner: string,
    record: JobRecord,
    stream: StreamedAnswer,
    gone: AbortSignal,
  ): UpstreamAnswer {
    const { reads } = this.deps.services;
    const onGone = () => void this.cancel(owner, record.id);
    gone.addEventListener('abort', onGone, { once: true });
    const body = stream.pump({
      beforeEnd: async () => {
        while (!isFinished((await reads.get(owner, record.id, WAIT_SLICE_SECONDS, gone)).status)) {
          if (gone.aborted) return;
        }
      },
      stillRunning: async () => !isFinished((await reads.record(owner, record.id)).status),
    });
    body.once('close', () => {
      gone.removeEventListener('abort', onGone);
      // Nobody reads this answer any more: Redis need not keep it until it expires.
      this.deps.redis.del(this.deps.keys.gatewayAnswer(record.id)).catch(() => undefined);
    });
    return { status: 200, headers: streamedHeaders(stream.headers), body };
  }

  private async waitForEnd(
    owner: string,
    job: JobRecord,
    gone: AbortSignal,
    stream: StreamedAnswer | null,
  ): Promise<WaitEnd> {
    const { reads } = this.deps.services;
    const since = Date.now();
    for (;;) {
      if (stream && (await stream.started())) return { kind: 'started' };
      const view = await reads.get(owner, job.id, stream ? 0 : WAIT_SLICE_SECONDS, gone);
      if (isFinished(view.status))
        return { kind: 'finished', record: await reads.record(owner, job.id) };
      if (gone.aborted) return { kind: 'gone' };
      const paused = await this.deps.pauseReasonOf(JOB_CLASS_OF[job.type]);
      if (view.status === 'queued' && paused?.code === 'quota_exceeded') {
        return { kind: 'quota', reason: paused };
      }
      if (Date.now() - since > this.deps.maxWaitMs && !(await this.calledUpstream(job.id))) {
        return { kind: 'busy' };
      }
    }
  }

  /** Whether the job got a slot and called the upstream (the worker marks it: gateway-slot-mark.ts). */
  private async calledUpstream(id: string): Promise<boolean> {
    return (await this.deps.redis.exists(this.deps.keys.gatewaySent(id))) > 0;
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
