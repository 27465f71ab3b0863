import { describe, expect, it } from 'vitest';
import { startCluster } from './support/cluster.ts';
import { checkInvariants } from './support/invariants.ts';
import { INPUT, report, stsRequest, totalRequests } from './support/scenario.ts';

/**
 * The steps of a finish (src/shared/lifecycle/finish-job.ts), each followed by a crash point.
 * A worker armed with one dies right after that step; the job's next delivery must complete
 * the finish (issue 8, seen failures 2 and 5): never answer the job from its own cache
 * pointer, never call the upstream again once the finish was decided, and leave the outputs,
 * job.json and the counts as a finish without a crash does.
 */
const STEPS = [
  'finish-intent',
  'finish-cache-pointer',
  'finish-job-json',
  'finish-commit',
  'finish-sweep',
  'finish-events',
];

describe('F15: a worker killed between the steps of a finish', () => {
  it.each(STEPS)('killed after %s: the next delivery completes the finish', async (step) => {
    const started = Date.now();
    const cluster = await startCluster({ label: `f15-${step}`, workers: 0 });
    try {
      const victim = await cluster.addWorker('armed', { CRASH_POINTS: step });
      const upload = await cluster.upload(INPUT);
      const id = await cluster.submit(stsRequest(upload, 150));
      const exit = await victim.exited;
      expect(exit.signal, `the worker died at ${step}`).toBe('SIGKILL');
      await cluster.addWorker('clean');
      const [record] = await cluster.waitFinished([id], 30_000);
      expect(record?.status).toBe('succeeded');
      expect(record?.cache).toBe('miss');
      // The finish was decided before the crash: completing it makes no second call.
      expect(totalRequests(cluster)).toBe(1);

      // The pointer the finish left answers another job with the same request: from this one.
      const again = await cluster.submit(stsRequest(upload, 150));
      const [hit] = await cluster.waitFinished([again], 30_000);
      expect(hit?.cache).toBe('hit');
      expect(hit?.outputs.map((o) => o.sha256)).toEqual(record?.outputs.map((o) => o.sha256));
      expect(totalRequests(cluster)).toBe(1);

      const figures = await checkInvariants(cluster, { jobIds: [id, again], limit: 4 });
      report(`F15-${step}`, { ...figures, step, seconds: (Date.now() - started) / 1000 });
    } finally {
      await cluster.stop();
    }
  });
});
