import { describe, expect, it } from 'vitest';
import { settlesWithin } from '../support/eventually.ts';
import { startCluster, type Cluster } from './support/cluster.ts';
import { checkInvariants } from './support/invariants.ts';
import { INPUT, report, submitBatch } from './support/scenario.ts';
import type { LogLine, WorkerProcess } from './support/service-process.ts';

const startedJobs = (worker: WorkerProcess) =>
  worker.lines.filter((l: LogLine) => l.msg === 'job started');
const JOB_ENDS = ['job succeeded', 'job failed', 'job canceled while running'];
const RETURNED = 'worker shutting down: job returned to the queue';

/** Waits until `worker` holds a call in flight, then sends it SIGTERM; returns when (ms). */
async function terminateWhileBusy(cluster: Cluster, worker: WorkerProcess): Promise<number> {
  await cluster.waitUntil(
    'the worker runs jobs while calls are in flight',
    () => startedJobs(worker).length >= 2 && cluster.simulator.counters().in_flight >= 2,
    20_000,
  );
  const at = Date.now();
  worker.kill('SIGTERM');
  return at;
}

/**
 * How many jobs `worker` took from the queue after it logged its shutdown. Read from the order
 * of its own log lines rather than from two clocks: a job fetched just before the signal may log
 * its start after the shutdown line (later still on a busy machine), but it holds one of the
 * `concurrency` places the jobs still in hand left free; a start beyond those was a new fetch.
 */
function fetchedAfterShutdown(worker: WorkerProcess, concurrency: number): number {
  const at = worker.lines.findIndex((l) => String(l.msg).startsWith('shutting down'));
  if (at < 0) throw new Error(`${worker.name} never logged its shutdown`);
  const before = worker.lines.slice(0, at);
  const ended = new Set(
    before.filter((l) => JOB_ENDS.includes(String(l.msg))).map((l) => l.job_id),
  );
  const inHand = before.filter((l) => l.msg === 'job started' && !ended.has(l.job_id)).length;
  const startedAfter = worker.lines.slice(at + 1).filter((l) => l.msg === 'job started').length;
  return Math.max(0, inHand + startedAfter - concurrency);
}

/**
 * A worker that never exits fails here rather than at the test timeout. Far above the second or
 * so an exit takes on a busy machine, and (F3a) well below the 30 s grace it must not sit out.
 */
const EXIT_BOUND_MS = 15_000;

describe('F3: SIGTERM with active jobs', () => {
  it('within the grace period: active jobs finish, nothing new is fetched, the process exits 0', async () => {
    const started = Date.now();
    const cluster = await startCluster({
      label: 'f3-finish',
      workers: 2,
      // A grace far longer than the 1.5 s calls: finishing them must not mean waiting it out.
      env: { UPSTREAM_CONCURRENCY: '6', WORKER_CONCURRENCY: '3', SHUTDOWN_GRACE_MS: '30000' },
      simulator: { latencyMs: 1_500 },
    });
    try {
      const upload = await cluster.upload(INPUT);
      const ids = await submitBatch(cluster, upload, 12);
      const worker = cluster.workers[0]!;
      const at = await terminateWhileBusy(cluster, worker);
      const exit = await settlesWithin('w1 exits', worker.exited, EXIT_BOUND_MS);
      const exitedAfterMs = Date.now() - at;
      expect(exit.code).toBe(0);
      expect(fetchedAfterShutdown(worker, 3)).toBe(0);
      // Its active jobs finished within the grace: none was handed back.
      expect(worker.lines.filter((l) => l.msg === RETURNED)).toEqual([]);
      const shutdownLine = worker.lines.findIndex((l) => String(l.msg).startsWith('shutting down'));
      const finishedAfterSignal = worker.lines
        .slice(shutdownLine)
        .filter((l) => l.msg === 'job succeeded').length;
      expect(finishedAfterSignal).toBeGreaterThan(0);

      const records = await cluster.waitFinished(ids, 60_000);
      // Nothing was charged to the jobs: one attempt each.
      expect(records.map((r) => r.attempts)).toEqual(ids.map(() => 1));
      const figures = await checkInvariants(cluster, { jobIds: ids, limit: 6 });
      report('F3a', {
        ...figures,
        finished_during_grace: finishedAfterSignal,
        exit_code: exit.code,
        exited_after_s: exitedAfterMs / 1000,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
    }
  });

  it('past the grace period: active jobs return to the queue without spending an attempt', async () => {
    const started = Date.now();
    const cluster = await startCluster({
      label: 'f3-return',
      workers: 2,
      env: { UPSTREAM_CONCURRENCY: '6', WORKER_CONCURRENCY: '3', SHUTDOWN_GRACE_MS: '500' },
      simulator: { latencyMs: 3_000 },
    });
    try {
      const upload = await cluster.upload(INPUT);
      const ids = await submitBatch(cluster, upload, 9);
      const worker = cluster.workers[0]!;
      const at = await terminateWhileBusy(cluster, worker);
      const exit = await settlesWithin('w1 exits', worker.exited, EXIT_BOUND_MS);
      const exitedAfterMs = Date.now() - at;
      expect(exit.code).toBe(0);
      expect(fetchedAfterShutdown(worker, 3)).toBe(0);
      // It did not wait for its 3 s calls (no clock can tell 0.5 s from 3 s on a busy machine):
      // it handed their jobs back.
      const returned = worker.lines.filter((l) => l.msg === RETURNED).length;
      expect(returned).toBeGreaterThan(0);

      const records = await cluster.waitFinished(ids, 60_000);
      expect(records.map((r) => r.attempts)).toEqual(ids.map(() => 1));
      const figures = await checkInvariants(cluster, { jobIds: ids, limit: 6 });
      report('F3b', {
        ...figures,
        returned_to_queue: returned,
        exit_code: exit.code,
        exited_after_s: exitedAfterMs / 1000,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
    }
  });
});
