import type { Job } from 'bullmq';
import type { JobError, JobRecord } from '../shared/jobs/job-record.ts';
import type { AttemptEntry } from '../shared/lifecycle/attempt-log.ts';
import type { Logger } from '../shared/logger.ts';
import type { QueuePayload } from '../shared/queue/queues.ts';
import type { CallTracker } from './call-tracker.ts';
import { definitionFor } from './jobs/registry.ts';
import type { SlotLimitedClient } from './slots/slot-limited-client.ts';
import type { WorkerDeps } from './worker-deps.ts';

/** One run of a job as the outcomes see it: its deps, BullMQ job and lock, record and fence. */
export interface AttemptContext {
  deps: WorkerDeps;
  job: Job<QueuePayload>;
  /** The BullMQ lock token: needed to move the job back to the queue ourselves. */
  token: string | undefined;
  /** The record as this run's claim left it. */
  record: JobRecord;
  /** This run's fencing token: its moves apply only while the record still names it. */
  runId: string;
  attempt: number;
  startedAt: string;
  /** Last call's status, request id and headers, for the attempt log. */
  tracker: CallTracker;
  /** The attempt's upstream client; its `calls` counts calls that really went out. */
  client: SlotLimitedClient;
  logger: Logger;
}

/** The attempt log entry of this run with `outcome`. */
export function entry(
  context: AttemptContext,
  outcome: AttemptEntry['outcome'],
  error: JobError | null,
): AttemptEntry {
  const { tracker } = context;
  return {
    attempt: context.attempt,
    run_id: context.runId,
    started_at: context.startedAt,
    finished_at: new Date().toISOString(),
    outcome,
    upstream_status: tracker.status,
    upstream_code: error?.upstream_code ?? null,
    request_id: tracker.requestId,
    headers: tracker.headers,
    error: error ? `${error.code}: ${error.message}` : null,
  };
}

/** The job's upstream summary with this run's calls added. */
export function upstreamSummary(context: AttemptContext): NonNullable<JobRecord['upstream']> {
  const { record, client } = context;
  const endpoint = definitionFor(record.type).endpoint(record.request);
  const calls = (record.upstream?.calls ?? 0) + client.calls;
  return {
    endpoint,
    request_id: null,
    character_cost: null,
    song_id: null,
    history_item_id: null,
    ...record.upstream,
    calls,
  };
}

/** Counts an attempt outcome in the metrics. */
export function count(context: AttemptContext, outcome: string): void {
  context.deps.metrics.attempts.inc({ type: context.record.type, outcome });
}

export function numberOrNull(value: string | undefined): number | null {
  if (value === undefined) return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}
