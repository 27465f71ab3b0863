import { setTimeout as sleep } from 'node:timers/promises';
import type { ClaimResult } from '../shared/jobs/job-store.ts';

/** How often a delivery of a job whose batch is not committed yet claims it again. */
const POLL_MS = 50;

/** How long a delivery waits for its batch's commit before the job goes back to the queue. */
const COMMIT_WAIT_MS = 5_000;

/**
 * Claims a job, waiting while its batch is not committed. A batch's work items are queued with
 * its records, before the commit (batch-writer.ts), which comes within a few seconds even for
 * the largest batch (MAX_BATCH_ITEMS): a delivery waits for it here, holding one BullMQ slot
 * and no upstream slot. Sent back to the queue at once instead, every free slot would cycle
 * through the batch's items until the commit, each a few Redis calls, slowing the very intake
 * it waits for. Still `uncommitted` after `waitMs` (an intake that is slow or died), or once
 * `signal` aborts (the worker is closing).
 */
export async function claimWhenCommitted(
  claim: () => Promise<ClaimResult>,
  { signal, waitMs = COMMIT_WAIT_MS }: { signal?: AbortSignal | undefined; waitMs?: number } = {},
): Promise<ClaimResult> {
  const deadline = Date.now() + waitMs;
  let result = await claim();
  while (result.outcome === 'uncommitted' && Date.now() < deadline && !signal?.aborted) {
    await sleep(POLL_MS);
    result = await claim();
  }
  return result;
}
