import { eachLimited } from '../../shared/each-limited.ts';
import type { JobType } from '../../shared/jobs/job-types.ts';
import type { JobStore } from '../../shared/jobs/job-store.ts';
import {
  hintedCandidates,
  type CacheCandidate,
  type CacheHint,
  type CacheHintDeps,
} from '../../shared/lifecycle/cache-hints.ts';
import type { Logger } from '../../shared/logger.ts';
import type { CacheIntake } from './cache-intake.ts';
import { HintedSources } from './hinted-sources.ts';

/** A batch item the cache may answer: what answering it takes, without its record. */
export type BatchCacheCandidate = CacheCandidate & { type: JobType; owner: string };

/** A candidate with a cache hint naming another job: worth answering at intake. */
export type BatchCacheHit = BatchCacheCandidate & { hint: CacheHint };

/** Items one api process answers at once: each mostly waits on Redis and storage. */
const LANES = 16;

export type BatchCacheAnswersDeps = CacheHintDeps & {
  /** Where the hits' sources are read, a chunk of hits at a time. */
  jobs: JobStore;
  cacheIntake: CacheIntake;
  logger: Logger;
  /** CACHE_INTAKE_RECOVERY_MS: how long each hit's safety net waits before a worker may act. */
  recoveryMs: number;
};

/**
 * Batch items answered from the cache by the intake instead of one by one by workers. The
 * batch intake asks {@link select} which of its items have a cache hint (one MGET per chunk of
 * records), queues those items' work items delayed by CACHE_INTAKE_RECOVERY_MS as their safety
 * net, answers 202, then hands them to {@link start}: each is answered through
 * CacheIntake.answerQueued, from the source its hint names (read in bulk: HintedSources),
 * which ends in the one finish path and removes its safety net. A process killed mid-way
 * leaves the rest queued and delayed: workers take them when due.
 */
export class BatchCacheAnswers {
  readonly #running = new Set<Promise<void>>();
  #closed = false;

  constructor(private readonly deps: BatchCacheAnswersDeps) {}

  /**
   * The candidates worth answering at intake. Redis failing here costs speed only: none is
   * picked, and each item's worker looks it up as before.
   */
  async select(candidates: readonly BatchCacheCandidate[]): Promise<BatchCacheHit[]> {
    try {
      return await hintedCandidates(this.deps, candidates);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'cache hints unreadable: batch hits left to workers');
      return [];
    }
  }

  /**
   * Answers `hits` (stored, their work items delayed) in the background. Past half their
   * safety net's delay (counted from `netsQueuedAt`, when the first was queued), or once
   * closing, the rest are made due for workers instead, so no worker's takeover races an
   * answer still on its way here.
   */
  start(hits: readonly BatchCacheHit[], netsQueuedAt: number): void {
    if (hits.length === 0) return;
    const { cacheIntake, logger } = this.deps;
    const deadline = netsQueuedAt + this.deps.recoveryMs / 2;
    const sources = new HintedSources(this.deps.jobs, hits);
    const work = eachLimited(hits, LANES, async (hit, index) => {
      try {
        if (this.#closed || Date.now() > deadline) await cacheIntake.promote(hit.id);
        else await cacheIntake.answerQueued(hit, await sources.of(index));
      } catch (error) {
        // Its safety net stays: a worker takes the job when it comes due.
        logger.warn({ job_id: hit.id, err: error }, 'batch cache answer left to a worker');
      }
    }).finally(() => this.#running.delete(work));
    this.#running.add(work);
  }

  /** Starts no more answers (the rest go to workers) and waits for those under way. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#running);
  }
}
