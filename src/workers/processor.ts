import {
  DelayedError,
  UnrecoverableError,
  WaitingChildrenError,
  type FlowProducer,
  type Job,
} from 'bullmq';
import { newId } from '../shared/ids.ts';
import { JOB_CLASS_OF } from '../shared/jobs/job-types.ts';
import {
  completeOrphanedFinish,
  FinishPendingError,
  recoverFinished,
} from '../shared/lifecycle/finish-job.ts';
import { removeRunObjects } from '../shared/lifecycle/job-objects.ts';
import { queuePayloadSchema, recordIdOf, type QueuePayload } from '../shared/queue/queues.ts';
import {
  cancelRun,
  delayForFinish,
  settleFailure,
  succeed,
  type AttemptContext,
} from './attempt-outcomes.ts';
import { budgetGate } from './budget-gate.ts';
import { claimWhenCommitted } from './committed-claim.ts';
import { CallTracker } from './call-tracker.ts';
import type { FlowContext } from './dub/dub-flow.ts';
import { FairShare } from '../shared/queue/fair-share.ts';
import { definitionFor } from './jobs/registry.ts';
import { runAttempt } from './run-attempt.ts';
import { markGatewaySent } from './slots/gateway-slot-mark.ts';
import { slotLimitedClient } from './slots/slot-limited-client.ts';
import { instrumentedClient } from './upstream/instrumented-client.ts';
import type { WorkerDeps } from './worker-deps.ts';

/** A job of another deployment goes back to the queue for this long, for a worker of its own. */
const FOREIGN_JOB_DELAY_MS = 5_000;

/**
 * The one BullMQ processor for every job type. It validates the payload (jobs may have been
 * queued by older code), claims a run of the job (a new fencing token: an earlier run that
 * lost its lock can no longer finish it), runs one attempt, and turns the outcome into BullMQ
 * control flow (see attempt-outcomes.ts): return = done, RateLimitError or DelayedError = back
 * to the queue without spending an attempt, UnrecoverableError = fail now, any other error =
 * retry with backoff. A delivery of a job whose finish is on its way, or done, completes that
 * finish and runs nothing.
 */
export function createProcessor(deps: WorkerDeps, flows: FlowProducer) {
  const fairShare = new FairShare(deps.config.TENANT_WEIGHTS);
  return async function process(job: Job<QueuePayload>, token?: string, signal?: AbortSignal) {
    const payload = queuePayloadSchema.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`invalid payload: ${payload.error.message}`);
    const jobId = recordIdOf({ id: job.id, data: payload.data });
    const runId = newId('run');
    const attempt = job.attemptsMade + 1;
    let startedAt = new Date().toISOString();
    const claim = await claimWhenCommitted(
      () => {
        startedAt = new Date().toISOString();
        return deps.jobs.claim(jobId, runId, attempt, startedAt, deps.deployment);
      },
      { signal },
    );
    if (claim.outcome === 'uncommitted') {
      // Its batch's intake is slow or dead: recovery rolls it back or forward once its lease
      // is over. Until then the item stays out of the way of other jobs.
      if (token === undefined) throw new Error('a job of an uncommitted batch');
      await job.moveToDelayed(Date.now() + deps.config.BATCH_INTAKE_LEASE_MS, token);
      throw new DelayedError();
    }
    if (claim.outcome === 'missing') {
      // Its batch was rolled back (perhaps while this delivery waited for its commit), or the
      // job deleted: there is nothing to run, and nothing failed.
      deps.logger.warn({ job_id: jobId }, 'a work item whose job record is gone: let go');
      return;
    }
    if (claim.outcome === 'foreign') {
      deps.metrics.foreignJobs.inc();
      deps.logger.error(
        { job_id: jobId, job_deployment: claim.record.deployment, deployment: deps.deployment },
        'a job of another deployment (another storage): left in the queue for its own workers',
      );
      if (token === undefined) throw new Error('a job of another deployment');
      await job.moveToDelayed(Date.now() + FOREIGN_JOB_DELAY_MS, token);
      throw new DelayedError();
    }
    if (claim.outcome === 'finishing' || claim.outcome === 'finished') {
      try {
        if (claim.outcome === 'finishing') {
          deps.logger.warn({ job_id: jobId }, 'completing a finish its writer did not complete');
          await completeOrphanedFinish(deps, claim.record);
        } else await recoverFinished(deps, claim.record);
        return;
      } catch (error) {
        // Storage or Redis away: this is not the job's fault, and its end is decided. Again
        // later, without spending an attempt, until it completes.
        deps.logger.warn({ job_id: jobId, err: error }, 'could not complete a finish yet');
        return await delayForFinish({ job, token }, error);
      }
    }

    const record = claim.record;
    const logger = deps.logger.child({ job_id: jobId, type: record.type, attempt, run_id: runId });
    // A dub waiting for its steps keeps its record running: its next delivery is no takeover.
    const resumed = record.type === 'dub' && (await job.getDependenciesCount()).processed;
    if (claim.takeover && !resumed) {
      deps.metrics.takeovers.inc({ type: record.type });
      logger.warn('took the job over from a run that lost its lock: that run is fenced out');
    }
    const jobClass = JOB_CLASS_OF[record.type];
    const endpoint = definitionFor(record.type).endpoint(record.request);
    // Slots wrap the instrumented client: measured latency excludes the wait for a slot.
    const client = slotLimitedClient(
      instrumentedClient(deps.upstream, deps.metrics, { endpoint, jobClass }),
      deps.slots,
      jobClass,
      markGatewaySent(deps, record, budgetGate(deps, record)),
    );
    const attemptSignal = AbortSignal.any([
      signal ?? new AbortController().signal,
      AbortSignal.timeout(deps.config.UPSTREAM_TOTAL_TIMEOUT_MS),
    ]);
    const context: AttemptContext = {
      deps,
      job,
      token,
      record,
      runId,
      attempt,
      startedAt,
      tracker: new CallTracker(client, attemptSignal, {
        ledger: deps.usage,
        metrics: deps.metrics,
        job: record,
        attempt,
        runId,
        endpoint,
      }),
      client,
      logger,
    };
    /** The run's outputs belong to the job now: a finish of this run was decided. */
    let committed = false;
    try {
      if (record.cancel_requested) {
        await cancelRun(context);
        return;
      }
      await deps.events.started(record);
      deps.metrics.jobs.inc({ type: record.type, status: 'running' });
      logger.info('job started');
      const flow: FlowContext = {
        job,
        token,
        producer: flows,
        queueNames: { speech: deps.queues.speech.queue.name, music: deps.queues.music.queue.name },
        prefix: deps.config.QUEUE_PREFIX,
        reservePriority: async (jobClass) => {
          const queue = deps.queues[jobClass].queue;
          const [priority = 0] = await fairShare.reserve(queue, record.owner, 1);
          return priority;
        },
        attempts: deps.config.JOB_ATTEMPTS,
        backoffMs: deps.config.JOB_BACKOFF_MS,
      };
      const result = await runAttempt(deps, context, attemptSignal, flow);
      committed = await succeed(context, result);
      const bodyEndedAt = context.tracker.bodyEndedAt;
      if (committed && bodyEndedAt !== null)
        deps.metrics.finishOverhead.observe(
          { type: record.type },
          (performance.now() - bodyEndedAt) / 1000,
        );
    } catch (error) {
      // Waiting for child jobs (a dub's steps): BullMQ hands the job back when they are done.
      if (error instanceof WaitingChildrenError) throw error;
      // A finish this run decided names its folder's outputs: they are no longer its own.
      if (error instanceof FinishPendingError) committed = true;
      await settleFailure(context, error, signal);
    } finally {
      client.releaseAll();
      // What this run wrote is garbage unless the job now lists it: never anyone else's. A
      // failure here must not replace the outcome BullMQ is being handed; a later sweep of
      // the job's finish removes what is left.
      if (!committed)
        await removeRunObjects(deps.storage, jobId, runId).catch((error: unknown) =>
          logger.warn({ err: error }, 'could not remove what this run wrote'),
        );
    }
  };
}
