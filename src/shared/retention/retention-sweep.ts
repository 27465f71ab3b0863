import { BatchStore } from '../batches/batch-store.ts';
import { deleteBatch } from '../deletion/delete-batch.ts';
import { deleteJob } from '../deletion/delete-job.ts';
import { deleteUpload, UploadInUseError } from '../deletion/delete-upload.ts';
import type { DeletionDeps } from '../deletion/deletion-deps.ts';
import { isFinished } from '../jobs/job-types.ts';
import { UploadStore } from '../uploads/upload-store.ts';

/** How long each kind is kept, ms; null = forever. */
export interface RetentionPolicy {
  jobsMs: number | null;
  uploadsMs: number | null;
}

/** What one sweep deleted, and what it found old but had to keep (in use, or failed). */
export interface SweepReport {
  jobs: number;
  batches: number;
  uploads: number;
  kept: number;
}

/** Index entries read per step: each step is one short ZRANGEBYSCORE, never a scan of keys. */
const PAGE = 100;
/** Items deleted per kind per sweep at most: a large backlog is worked off over several runs. */
const MAX_PER_SWEEP = 5_000;

const DAY_MS = 24 * 3600 * 1000;

/** The policy of JOB_RETENTION_DAYS and UPLOAD_RETENTION_DAYS (0 = kept forever). */
export function retentionPolicy(days: { jobs: number; uploads: number }): RetentionPolicy {
  return {
    jobsMs: days.jobs > 0 ? days.jobs * DAY_MS : null,
    uploadsMs: days.uploads > 0 ? days.uploads * DAY_MS : null,
  };
}

/**
 * Deletes what the policy no longer keeps, oldest first, through the same functions as the
 * DELETE routes: jobs outside a batch finished before the cutoff, batches finalized before
 * it (with their jobs), uploads made before theirs. Items are found by the scores of their
 * indexes (finished_at, finalization, creation). An entry whose item changed since (a job
 * retried, a batch reopened) is dropped from the index: its next finish puts it back.
 */
export async function sweepRetention(
  deps: DeletionDeps,
  policy: RetentionPolicy,
  now = Date.now(),
): Promise<SweepReport> {
  const report: SweepReport = { jobs: 0, batches: 0, uploads: 0, kept: 0 };
  if (policy.jobsMs !== null) {
    const cutoff = now - policy.jobsMs;
    await sweepIndex(deps, report, deps.keys.finishedJobs, cutoff, async (id) => {
      const record = await deps.jobs.get(id);
      if (!record || !isFinished(record.status) || record.finishing || record.batch_id)
        return 'dropped';
      await deleteJob(deps, record);
      report.jobs++;
      return 'deleted';
    });
    const batches = new BatchStore(deps.redis, deps.batchKeys);
    await sweepIndex(deps, report, deps.batchKeys.finishedBatches, cutoff, async (id) => {
      const batch = await batches.get(id);
      if (!batch?.state.complete || batch.state.finalized < batch.state.generation)
        return 'dropped';
      await deleteBatch(deps, batch);
      report.batches++;
      return 'deleted';
    });
  }
  if (policy.uploadsMs !== null) {
    const uploads = new UploadStore(deps.redis, deps.keys);
    const cutoff = now - policy.uploadsMs;
    await sweepIndex(deps, report, deps.keys.uploadsByAge, cutoff, async (id) => {
      const record = await uploads.get(id);
      if (!record) return 'dropped';
      try {
        await deleteUpload(deps, record);
      } catch (error) {
        if (error instanceof UploadInUseError) return 'kept';
        throw error;
      }
      report.uploads++;
      return 'deleted';
    });
  }
  return report;
}

type Outcome = 'deleted' | 'dropped' | 'kept';

/**
 * Visits the members of `index` scored at or below `cutoff`, a page at a time. Deleted items
 * leave the index themselves; dropped ones are removed here; kept and failed ones are stepped
 * over (they are looked at again next sweep).
 */
async function sweepIndex(
  deps: DeletionDeps,
  report: SweepReport,
  index: string,
  cutoff: number,
  visit: (id: string) => Promise<Outcome>,
): Promise<void> {
  let skip = 0;
  let visited = 0;
  while (visited < MAX_PER_SWEEP) {
    const ids = await deps.redis.zrangebyscore(index, '-inf', cutoff, 'LIMIT', skip, PAGE);
    if (ids.length === 0) return;
    for (const id of ids) {
      visited++;
      let outcome: Outcome;
      try {
        outcome = await visit(id);
      } catch (error) {
        deps.logger.warn(
          { err: error, index, id },
          'retention: could not delete; next sweep retries',
        );
        outcome = 'kept';
      }
      if (outcome === 'dropped') await deps.redis.zrem(index, id);
      if (outcome === 'kept') {
        skip++;
        report.kept++;
      }
    }
  }
}
