import { describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './support/cluster.ts';
import { checkInvariants } from './support/invariants.ts';
import { INPUT, report, submitBatch } from './support/scenario.ts';
import type { LogLine, WorkerProcess } from './support/service-process.ts';

const startedJobs = (worker: WorkerProcess, after = 0) =>
  worker.lines.filter((l: LogLine) => l.msg === 'job started' && (l.time ?? 0) > after);

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

describe('F3: SIGTERM with active jobs', () => {
  it('within the grace period: active jobs finish, nothing new is fetched, the process exits 0', async () => {
    const started = Date.now();
    const cluster = await startCluster({
      label: 'f3-finish',
      workers: 2,
      env: { UPSTREAM_CONCURRENCY: '6', WORKER_CONCURRENCY: '3', SHUTDOWN_GRACE_MS: '10000' },
      simulator: { latencyMs: 1_500 },
    });
    try {
      const upload = await cluster.upload(INPUT);
      const ids = await submitBatch(cluster, upload, 12);
      const worker = cluster.workers[0]!;
      const at = await terminateWhileBusy(cluster, worker);
      const exit = await worker.exited;
      const exitedAfterMs = Date.now() - at;
      expect(exit.code).toBe(0);
      expect(exitedAfterMs).toBeLessThan(10_000);
      expect(startedJobs(worker, at + 50)).toEqual([]);
      const finishedAfterSignal = worker.lines.filter(
        (l) => l.msg === 'job succeeded' && (l.time ?? 0) > at,
      ).length;
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
      const exit = await worker.exited;
      const exitedAfterMs = Date.now() - at;
      expect(exit.code).toBe(0);
      expect(exitedAfterMs).toBeLessThan(5_000);
      expect(startedJobs(worker, at + 50)).toEqual([]);
      const returned = worker.lines.filter(
        (l) => l.msg === 'worker shutting down: job returned to the queue',
      ).length;
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
