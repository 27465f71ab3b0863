import type { JobRecord } from '../../shared/jobs/job-record.ts';
import type { WorkerDeps } from '../worker-deps.ts';

/** Long enough to outlive any gateway call waiting on it (GATEWAY_MAX_WAIT_MS and the job). */
const MARK_TTL_SECONDS = 86_400;

/**
 * Runs with the slot held, before a call goes out (slotLimitedClient's `beforeSend`): for a
 * gateway job, marks that its wait for a slot is over, so the gateway's GATEWAY_MAX_WAIT_MS
 * stops counting even while the upstream takes its time to answer. Other jobs: `next` only.
 */
export function markGatewaySent(
  deps: Pick<WorkerDeps, 'redis' | 'keys'>,
  record: Pick<JobRecord, 'id' | 'source'>,
  next: () => Promise<void>,
): () => Promise<void> {
  if (record.source !== 'gateway') return next;
  return async () => {
    await next();
    await deps.redis.set(deps.keys.gatewaySent(record.id), '1', 'EX', MARK_TTL_SECONDS);
  };
}
