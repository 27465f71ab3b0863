/**
 * The Redis keys of batches, beside the job keys of `redis/keys.ts` and under the same prefix.
 * A batch is three keys: its record, its live state (counts and lifecycle, plain integers so
 * scripts can HINCRBY them) and its job index (each job's record holds the status last
 * counted: batch-counts.ts).
 */
export function batchKeys(prefix: string) {
  return {
    /** The batch record: one JSON-encoded field per attribute, like a job hash. */
    batch: (id: string) => `${prefix}:batch:${id}`,
    /** Counts per status, total, generation, timestamps (ms): what polling reads. */
    state: (id: string) => `${prefix}:batch:${id}:state`,
    /**
     * Job id → the status the counts hold it in: written by releases before record version 6
     * (since, each record holds it), still counted with for their batches and deleted with them.
     */
    legacyMembers: (id: string) => `${prefix}:batch:${id}:members`,
    /** Jobs waiting for the batch's budget to be raised (usage-ledger.ts), resumed together. */
    parked: (id: string) => `${prefix}:batch:${id}:parked`,
    /** The batch's job ids (score 0, lexicographic = creation = item order). */
    jobs: (id: string) => `${prefix}:batch:${id}:jobs`,
    /** An owner's batches, like the owner's job index. */
    ownerBatches: (owner: string) => `${prefix}:idx:owner:${owner}:batches`,
    /** Finalized batches, scored by when (ms): what JOB_RETENTION_DAYS reads for batches. */
    finishedBatches: `${prefix}:idx:finished:batches`,
  };
}
export type BatchKeys = ReturnType<typeof batchKeys>;

/** Storage keys (relative to the storage prefix) of what a finished batch leaves behind. */
export const batchObjectKeys = {
  folder: (id: string) => `batches/${id}/`,
  results: (id: string) => `batches/${id}/results.ndjson`,
  manifest: (id: string) => `batches/${id}/manifest.json`,
};
