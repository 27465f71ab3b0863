import type { BatchRecord, BatchState, BatchStatus, BatchView } from './batch-record.ts';

/**
 * The public view of a batch: the record without its owner, the counts as they stand, and
 * progress derived from them (no job is read: polling costs the same for 10 or 100,000 items).
 * The record's fields are named one by one: a rest copy of the parsed record (`{ owner, ...shown }`)
 * took ~18 µs a poll, over ten times the rest of the view.
 */
export function toBatchView(record: BatchRecord, state: BatchState, now = Date.now()): BatchView {
  const { total, queued, running, succeeded, failed, canceled } = state;
  const finished = succeeded + failed + canceled;
  const done = isDone(state);
  // In the order the record's spread gave the view, which manifest.json and the batch
  // webhooks' bodies (JSON.stringify of the view) keep.
  return {
    id: record.id,
    name: record.name,
    seed: record.seed,
    metadata: record.metadata,
    webhook: record.webhook,
    created_at: record.created_at,
    results: record.results,
    max_characters: state.max_characters ?? null,
    estimate: record.estimate && {
      ...record.estimate,
      difference: state.usage_characters - record.estimate.characters,
    },
    webhook_deliveries: record.webhook_deliveries,
    matrix: record.matrix,
    object: 'batch',
    status: batchStatus(state, finished),
    started_at: iso(state.started_at),
    finished_at: done ? iso(state.finished_at) : null,
    cancel_requested: state.cancel_requested,
    counts: { total, queued, running, succeeded, failed, canceled },
    progress: progress(state, finished, now),
    usage: {
      characters: state.usage_characters,
      calls: state.usage_calls,
      billed_calls: state.usage_billed_calls,
    },
    paused_reason: done ? null : (state.paused_reason ?? null),
    completions: state.generation,
    results_url: `/v1/batches/${encodeURIComponent(record.id)}/results`,
  };
}

/**
 * Finished as far as a reader can tell: every job finished and this completion's results file
 * and manifest written (reliability I1: a batch never reads finished before its results exist).
 */
function isDone(state: BatchState): boolean {
  return state.complete && state.finalized >= state.generation;
}

function batchStatus(state: BatchState, finished: number): BatchStatus {
  if (isDone(state)) return state.cancel_requested ? 'canceled' : 'completed';
  if (state.paused_reason !== undefined && !state.cancel_requested) return 'paused';
  if (state.running > 0 || finished > 0 || state.started_at !== undefined) return 'running';
  return 'queued';
}

function progress(state: BatchState, finished: number, now: number): BatchView['progress'] {
  const fraction = state.total === 0 ? 1 : finished / state.total;
  const doneThisRun = finished - state.run_base;
  const end = state.complete ? (state.finished_at ?? now) : now;
  const elapsedSeconds = state.started_at === undefined ? 0 : (end - state.started_at) / 1000;
  const rate = doneThisRun > 0 && elapsedSeconds > 0 ? doneThisRun / elapsedSeconds : null;
  let eta: number | null = null;
  if (isDone(state)) eta = 0;
  else if (rate !== null) eta = Math.ceil((state.total - finished) / rate);
  return {
    finished,
    fraction: Math.round(fraction * 10_000) / 10_000,
    rate_per_second: rate === null ? null : Math.round(rate * 100) / 100,
    eta_seconds: eta,
  };
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}
