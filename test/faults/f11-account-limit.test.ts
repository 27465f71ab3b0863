import { describe, expect, it } from 'vitest';
import { startCluster } from './support/cluster.ts';
import { checkInvariants } from './support/invariants.ts';
import { INPUT, report, submitBatch } from './support/scenario.ts';

describe('F11: the account limit across worker processes', () => {
  it('three workers of concurrency 5 against a limit of 3: the simulator sees exactly 3', async () => {
    const started = Date.now();
    const cluster = await startCluster({
      label: 'f11',
      workers: 3,
      env: { UPSTREAM_CONCURRENCY: '3', WORKER_CONCURRENCY: '5' },
      simulator: { latencyMs: 400 },
    });
    try {
      const upload = await cluster.upload(INPUT);
      const ids = await submitBatch(cluster, upload, 30);
      await cluster.waitFinished(ids, 60_000);
      const figures = await checkInvariants(cluster, { jobIds: ids, limit: 3 });
      // Saturated, never over: the limit is used, not just respected.
      expect(figures.max_in_flight).toBe(3);
      report('F11', { workers: 3, limit: 3, ...figures, seconds: (Date.now() - started) / 1000 });
    } finally {
      await cluster.stop();
    }
  });
});

describe('Done-when: 2 workers, limit 4, 20% faults, one worker killed with SIGKILL mid-batch', () => {
  it('every job succeeds, at most 4 calls in flight, one output per job', async () => {
    const started = Date.now();
    const cluster = await startCluster({
      label: 'acceptance',
      workers: 2,
      env: { UPSTREAM_CONCURRENCY: '4', JOB_ATTEMPTS: '10' },
      simulator: {
        latencyMs: 300,
        faults: {
          seed: 20,
          rates: { error_500: 0.05, system_busy: 0.05, reset_mid_body: 0.05, truncated_body: 0.05 },
        },
      },
    });
    try {
      const upload = await cluster.upload(INPUT);
      const ids = await submitBatch(cluster, upload, 40);
      const victim = cluster.workers[0]!;
      // Mid-batch, and mid-call: the victim is holding jobs when it dies.
      await cluster.waitUntil(
        'a quarter of the batch done and the victim busy',
        async () => {
          const records = await Promise.all(ids.map((id) => cluster.jobs.get(id)));
          const done = records.filter((r) => r?.status === 'succeeded').length;
          return done >= 10 && cluster.simulator.counters().in_flight > 0;
        },
        60_000,
      );
      victim.kill('SIGKILL');
      await victim.exited;
      await cluster.waitFinished(ids, 90_000);
      const figures = await checkInvariants(cluster, { jobIds: ids, limit: 4 });
      report('DONE-WHEN', {
        workers: 2,
        limit: 4,
        killed: 'w1 (SIGKILL)',
        ...figures,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
    }
  });
});
