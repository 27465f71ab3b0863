import type { Config } from '../../shared/config.ts';
import { crashPoint } from '../../shared/crash-points.ts';
import { newId } from '../../shared/ids.ts';
import type { JobRecord } from '../../shared/jobs/job-record.ts';
import type { AttemptEntry } from '../../shared/lifecycle/attempt-log.ts';
import type { JobType } from '../../shared/jobs/job-types.ts';
import {
  finishJob,
  FinishPendingError,
  type FinishDeps,
} from '../../shared/lifecycle/finish-job.ts';
import { hintedCandidates, type CacheCandidate } from '../../shared/lifecycle/cache-hints.ts';
import {
  answerFromCache,
  copyCachedOutputs,
  findCachedSource,
  type CacheAnswer,
} from '../../shared/lifecycle/result-cache.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import { jobCacheScope } from '../../shared/tenants/cache-groups.ts';
import type { JobQueue } from './job-queue.ts';

/** What answering at intake touches: what a finish writes, the queue, the counters. */
export type CacheIntakeDeps = FinishDeps & { queue: JobQueue; metrics: Metrics; config: Config };

/**
 * A cache hit answered by the intake itself: the request's job is stored already finished
 * (`succeeded`, `cache: "hit"`), with no worker involved, through the one finish path (job.json,
 * the `?wait=` announcement, webhooks). The intake acts as the job's one run:
 *
 * 1. the record is stored `running` under an intake run, with a delayed work item as a safety
 *    net (one MULTI, due after CACHE_INTAKE_RECOVERY_MS): should this process die from here on, a worker takes the job over when
 *    the item comes due, runs it as any takeover (a cache answer, most likely) and sweeps
 *    what the intake's run wrote;
 * 2. the cached outputs are copied into the run's folder (answerFromCache, as workers do);
 * 3. finishJob, fenced by the intake run: `succeeded` only once job.json and the outputs are in
 *    storage (reliability.md);
 * 4. the safety net is removed; left behind, its delivery finds the job finished and only
 *    repeats what follows a finish (idempotent).
 *
 * A lookup that reads no hit stores nothing, and the caller queues the job as usual; a hit that
 * vanishes before its copies (the source deleted meanwhile), or storage failing after the job
 * was stored, hands the job to a worker at once: once stored, the job is accepted.
 */
export class CacheIntake {
  constructor(private readonly deps: CacheIntakeDeps) {}

  /**
   * Whether the cache has an answer for `record` now; reads only. A request that takes no
   * cached answer (`cache: "bypass"`), a URL input (hashed by its worker) or a batch item: no.
   * Storage is read only for a fingerprint with a cache hint in Redis (cache-hints.ts), as a
   * batch intake does: a miss, the common case, costs one Redis GET instead of a storage read
   * (a failed open on the file driver, a GET round trip on S3). A hit whose hint is gone is
   * still found by its worker's own lookup.
   */
  async canAnswer(record: JobRecord): Promise<boolean> {
    const { fingerprint } = record;
    if (record.request.cache !== 'use' || fingerprint === null || record.batch_id !== null)
      return false;
    const scope = jobCacheScope(record);
    const [hinted] = await hintedCandidates(this.deps, [{ id: record.id, fingerprint, scope }]);
    if (hinted === undefined) return false;
    const target = { jobId: record.id, scope };
    // A miss is counted by the worker's own lookup, which follows.
    return (await findCachedSource(this.deps, fingerprint, target)) !== null;
  }

  /**
   * Stores the job and answers it from the cache: finished, or (the answer gone meanwhile)
   * queued for a worker after all. Call after {@link canAnswer}.
   */
  async answer(record: JobRecord): Promise<JobRecord> {
    const { fingerprint } = record;
    if (fingerprint === null) throw new Error(`job ${record.id} has no fingerprint to answer`);
    const scope = jobCacheScope(record);
    const runId = newId('run');
    const startedAt = new Date().toISOString();
    const running: JobRecord = {
      ...record,
      status: 'running',
      run_id: runId,
      runs: 1,
      attempts: 1,
      started_at: startedAt,
    };
    await this.deps.queue.create(running, this.deps.config.CACHE_INTAKE_RECOVERY_MS);
    crashPoint('intake-cache-stored');
    // From here the job is accepted: a failure is not the caller's 503, but a worker's job.
    const run = { id: record.id, type: record.type, owner: record.owner, runId, startedAt };
    const answered = await this.copyAndFinish(run, () =>
      answerFromCache(this.deps, fingerprint, { jobId: record.id, runId, scope }),
    );
    return answered ?? (await this.deps.jobs.get(record.id)) ?? running;
  }

  /**
   * A batch item the batch intake stored `queued`, with a delayed work item as its safety net
   * (as {@link answer} stores a single job), answered the same way: its run starts here (only
   * from `queued`: a worker whose safety net came due, or a cancel, keeps the job), then
   * steps 2–4. No answer after all: the work item is made due now, for a worker. `cached`: its
   * source as the caller looked it up already (null: a miss), else looked up here.
   */
  async answerQueued(
    job: CacheCandidate & { type: JobType; owner: string },
    cached?: JobRecord | null,
  ): Promise<void> {
    const { deps } = this;
    const target = { jobId: job.id, scope: job.scope };
    const source =
      cached === undefined ? await findCachedSource(deps, job.fingerprint, target) : cached;
    if (!source) {
      await this.promote(job.id);
      return;
    }
    const run = {
      id: job.id,
      type: job.type,
      owner: job.owner,
      runId: newId('run'),
      startedAt: new Date().toISOString(),
    };
    const claim = await deps.jobs.transition(job.id, ['queued'], {
      status: 'running',
      run_id: run.runId,
      runs: 1,
      attempts: 1,
      started_at: run.startedAt,
    });
    if (claim.outcome !== 'applied') return;
    crashPoint('batch-cache-claimed');
    await this.copyAndFinish(run, () =>
      copyCachedOutputs(deps, source, { jobId: job.id, runId: run.runId, scope: job.scope }),
    );
  }

  /**
   * Steps 2–4 for a job running under the intake's `run`: the copies (`copy`), the finish,
   * the safety net removed; or the job handed to a worker. The finished record, or null when
   * it did not finish here.
   */
  private async copyAndFinish(
    run: IntakeRun,
    copy: () => Promise<CacheAnswer | null>,
  ): Promise<JobRecord | null> {
    try {
      const cached = await copy();
      crashPoint('intake-cache-copied');
      if (cached) return await this.finish(run, cached);
      await this.handOver(run);
    } catch (error) {
      this.deps.logger.warn({ job_id: run.id, err: error }, 'cache answer left to a worker');
      await this.handOver(run).catch(() => undefined);
    }
    return null;
  }

  /** Step 3 and 4: the finish, then the safety net removed. */
  private async finish(run: IntakeRun, cached: CacheAnswer): Promise<JobRecord | null> {
    const { deps } = this;
    const { runId, startedAt } = run;
    const attempt: AttemptEntry = {
      attempt: 1,
      run_id: runId,
      started_at: startedAt,
      finished_at: new Date().toISOString(),
      outcome: 'cache_hit',
      upstream_status: null,
      upstream_code: null,
      request_id: null,
      headers: {},
      error: null,
    };
    let finished: JobRecord | null;
    try {
      finished = await finishJob(deps, run.id, {
        attempt,
        status: 'succeeded',
        from: ['running'],
        runId,
        patch: {
          outputs: cached.outputs,
          cache: 'hit',
          result: cached.result ?? null,
          error: null,
          upstream: {
            endpoint: cached.endpoint ?? '',
            request_id: null,
            character_cost: null,
            song_id: null,
            history_item_id: null,
            calls: 0,
          },
        },
      });
    } catch (error) {
      // The finish is decided: the safety net's delivery completes it. The job is accepted.
      if (!(error instanceof FinishPendingError)) throw error;
      deps.logger.warn({ job_id: run.id, err: error.cause }, 'cache answer finishes later');
      return null;
    }
    deps.metrics.cacheLookups.inc({ type: run.type, result: 'hit' });
    if (!finished) return null;
    deps.metrics.jobs.inc({ type: run.type, status: 'succeeded' });
    crashPoint('intake-cache-finished');
    await deps.queue.removeSafetyNet(run).catch((error: unknown) => {
      deps.logger.warn({ job_id: run.id, err: error }, 'cache answer: safety net left');
    });
    return finished;
  }

  /** No answer after all: the job goes to a worker now, as a queued job. */
  private async handOver(run: IntakeRun): Promise<void> {
    await this.deps.jobs.transition(run.id, ['running'], { status: 'queued' }, run.runId);
    await this.promote(run.id);
  }

  /** The job's delayed work item made due now (if it still waits): a worker's from here. */
  async promote(id: string): Promise<void> {
    const record = await this.deps.jobs.get(id);
    if (record) await this.deps.queue.promote(record);
  }
}

/** The intake's own run of a job it answers from the cache. */
interface IntakeRun {
  id: string;
  type: JobType;
  owner: string;
  runId: string;
  startedAt: string;
}
