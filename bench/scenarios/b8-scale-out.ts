import { availableParallelism } from 'node:os';
import { createBatchRetrying, createJob, getJob, waitBatch } from '../harness/api.ts';
import { dialogueRequest } from '../harness/requests.ts';
import { check, type Check } from '../harness/results.ts';
import type { Scenario } from '../harness/scenario.ts';
import { round } from '../harness/stats.ts';
import { Stack } from '../harness/stack.ts';
import { duration } from './b7-cache.ts';

const PROCESSES = [1, 2, 4] as const;
const SEED = 8;

/**
 * The Redis topologies B8 compares. Only a single Redis today: the cluster variant (a local
 * 3-master Redis Cluster, REDIS_CLUSTER_NODES) joins here once the service runs on one (issue
 * 10, item 5), as another entry whose `start` brings the cluster up; its rates are then
 * checked against the single Redis's (≥ 0.8 ×).
 */
const TOPOLOGIES: { name: string; start: () => Promise<Stack> }[] = [
  { name: 'single Redis', start: () => Stack.start({ simulator: { speech: 10 } }) },
];

/**
 * B8, scale-out: 5,000 cache-hit jobs (one fingerprint, answered once by the upstream before)
 * with 1, 2 and 4 worker processes; the rate against 1 process. The upstream is out of the
 * way, so this measures what the service itself can do per process and how it adds up.
 */
export const b8ScaleOut: Scenario = {
  id: 'B8',
  quick: false,
  async run({ quick, progress }) {
    const size = quick ? 1_000 : 5_000;
    const cores = availableParallelism();
    const results = [];
    for (const topology of TOPOLOGIES) {
      const stack = await topology.start();
      try {
        const api = await stack.startApi();
        const request = dialogueRequest(SEED);
        const primer = await stack.startWorker();
        const job = await createJob(api.url, request);
        while ((await getJob(api.url, job.id, 10)).status !== 'succeeded');
        await primer.process.stop();

        const rates: number[] = [];
        let refused = 0;
        for (const count of PROCESSES) {
          const workers = await Promise.all(
            Array.from({ length: count }, () => stack.startWorker()),
          );
          const items = Array(size).fill(request) as object[];
          // B2 judges refusals; here the jobs must get in (see refused in the figures).
          const { batch, refused: times } = await createBatchRetrying(api.url, items, SEED);
          refused += times;
          const done = await waitBatch(api.url, batch.id, (view) =>
            progress.update(`${topology.name}, ${count} workers: ${view.counts.succeeded}/${size}`),
          );
          rates.push(done.counts.succeeded / duration(done));
          await Promise.all(workers.map((worker) => worker.process.stop()));
        }
        const [one = 1, two = 0, four = 0] = rates;
        const checks: Check[] = [
          check('2 ÷ 1', two / one, '≥', 1.7),
          check('4 ÷ 1', four / one, '≥', 3),
        ];
        results.push({
          id: 'B8',
          title: `${size.toLocaleString('en')} cache hits, 1/2/4 workers, ${topology.name}, ${cores} cores`,
          baseline: `1 process ${round(one)} jobs/s`,
          measured: `2: ${round(two)} jobs/s, 4: ${round(four)} jobs/s`,
          ratio: four / one,
          checks,
          figures: {
            topology: topology.name,
            cores,
            jobs: size,
            refused_batches: refused,
            rate_1: one,
            rate_2: two,
            rate_4: four,
          },
        });
      } finally {
        await stack.stop();
      }
    }
    return results;
  },
};
