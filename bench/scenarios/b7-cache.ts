import { createBatch, waitBatch, type BatchView } from '../harness/api.ts';
import { dialogueRequest } from '../harness/requests.ts';
import { check } from '../harness/results.ts';
import type { Scenario } from '../harness/scenario.ts';
import { round } from '../harness/stats.ts';
import { Stack } from '../harness/stack.ts';

/**
 * B7, cache: a 1,000-item dialogue batch (C = 10, 200 ms, 2 workers), then the same batch
 * with the same seed: every item must come from the fingerprint cache, with no upstream call,
 * at least 10 × faster.
 */
export const b7Cache: Scenario = {
  id: 'B7',
  quick: true,
  async run({ quick, progress }) {
    const size = quick ? 100 : 1_000;
    const stack = await Stack.start({ simulator: { speech: 10, latencyMs: 200 } });
    try {
      const api = await stack.startApi();
      await Promise.all([stack.startWorker(), stack.startWorker()]);
      const items = Array.from({ length: size }, () => dialogueRequest());
      const run = async (label: string): Promise<BatchView> => {
        const batch = await createBatch(api.url, items, 7);
        return waitBatch(api.url, batch.id, (view) =>
          progress.update(`${label}: ${view.counts.succeeded}/${size}`),
        );
      };
      const first = await run('first run');
      await stack.resetCounters();
      const rerun = await run('rerun, same seed');
      const counters = await stack.counters();
      const upstreamCalls = Object.values(counters.requests).reduce((sum, n) => sum + n, 0);
      const firstSeconds = duration(first);
      const rerunSeconds = duration(rerun);
      const ratio = firstSeconds / rerunSeconds;
      return [
        {
          id: 'B7',
          title: `rerun of a ${size.toLocaleString('en')}-item batch, same seed`,
          baseline: `first run ${round(firstSeconds)} s`,
          measured: `rerun ${round(rerunSeconds)} s, ${upstreamCalls} upstream calls`,
          ratio,
          checks: [
            check('speed-up', ratio, '≥', 10),
            check('upstream calls', upstreamCalls, '==', 0),
            check('succeeded', rerun.counts.succeeded, '==', size),
          ],
          figures: {
            items: size,
            first_seconds: firstSeconds,
            rerun_seconds: rerunSeconds,
            upstream_calls: upstreamCalls,
          },
        },
      ];
    } finally {
      await stack.stop();
    }
  },
};

/** Submission to completion, as the batch records them. */
export function duration(view: BatchView): number {
  return (Date.parse(view.finished_at ?? '') - Date.parse(view.created_at)) / 1000;
}
