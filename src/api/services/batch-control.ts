import type { BatchCounts } from '../../shared/batches/batch-counts.ts';
import { finalizeBatch, type FinalizeDeps } from '../../shared/batches/batch-finalize.ts';
import type { BatchView } from '../../shared/batches/batch-record.ts';
import type { BatchStore } from '../../shared/batches/batch-store.ts';
import { eachLimited } from '../../shared/each-limited.ts';
import { ConflictError, NotFoundError } from '../../shared/errors.ts';
import type { BatchReads } from './batch-reads.ts';
import type { JobControl } from './job-control.ts';

export interface BatchControlDeps {
  /** A cancel that ends the batch writes its results at once (see `cancel`). */
  finalize: FinalizeDeps;
  batches: BatchStore;
  counts: BatchCounts;
  /** Its cancel and retry run the job events (counts, webhooks, completion) themselves. */
  control: JobControl;
  reads: BatchReads;
}

/** Jobs canceled or retried at once: enough to keep Redis busy, few enough to stay fair. */
const CONCURRENCY = 32;

/**
 * Cancel and retry for a whole batch, one job at a time through the single-job operations (so
 * a batch job and a lone job move by the same compare-and-set rules), visiting only the jobs
 * the counts hold in the relevant statuses. Both are safe to repeat: a second call finds
 * nothing left to do and answers the batch as it is.
 */
export class BatchControl {
  constructor(private readonly deps: BatchControlDeps) {}

  /**
   * Queued jobs canceled at once, running ones aborted by their workers; finished kept. When
   * that ends the batch, its results are written here and now rather than by a worker later:
   * a batch reads `canceled` only once its results exist, and a cancel must end the batch
   * even while no worker runs.
   */
  async cancel(owner: string, id: string): Promise<BatchView> {
    const batch = await this.deps.reads.stored(owner, id);
    if (batch.state.complete) return this.deps.reads.get(owner, id);
    await this.deps.batches.setCancelRequested(id, true);
    for await (const ids of this.deps.counts.members(id, ['queued', 'running'])) {
      await eachLimited(ids, CONCURRENCY, (jobId) =>
        unlessSettled(() => this.deps.control.cancel(owner, jobId)),
      );
    }
    const after = await this.deps.reads.stored(owner, id);
    if (after.state.complete && after.state.finalized < after.state.generation)
      await finalizeBatch(this.deps.finalize, { batch_id: id, generation: after.state.generation });
    return this.deps.reads.get(owner, id);
  }

  /** Failed and canceled jobs queued again with the same request and seed. */
  async retry(owner: string, id: string): Promise<BatchView> {
    await this.deps.reads.stored(owner, id);
    await this.deps.batches.setCancelRequested(id, false);
    for await (const ids of this.deps.counts.members(id, ['failed', 'canceled'])) {
      await eachLimited(ids, CONCURRENCY, (jobId) =>
        unlessSettled(() => this.deps.control.retry(owner, jobId)),
      );
    }
    return this.deps.reads.get(owner, id);
  }
}

/** The operation's result, or null when the job moved on meanwhile (409) or is gone (404). */
async function unlessSettled<T>(operation: () => Promise<T>): Promise<T | null> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ConflictError || error instanceof NotFoundError) return null;
    throw error;
  }
}
