import type { Redis } from 'ioredis';
import { UnexpectedAnswerError, batchJobs, createBatch } from '../harness/api.ts';
import { baselineQueue } from '../harness/baseline-queue.ts';
import { httpLoad, type LoadResult } from '../harness/load.ts';
import { dialogueRequest } from '../harness/requests.ts';
import { check } from '../harness/results.ts';
import type { Scenario } from '../harness/scenario.ts';
import { Stack } from '../harness/stack.ts';

const CHUNK = 10_000;

/**
 * B6, scale: 100,000 queued jobs (no worker runs). Redis memory per job (INFO used_memory)
 * against a bare BullMQ entry, and the p99 of `GET /v1/jobs/{id}` and `GET /v1/batches/{id}`
 * against `/healthz` on that full Redis.
 */
export const b6Scale: Scenario = {
  id: 'B6',
  quick: true,
  async run({ quick, progress }) {
    const size = quick ? 5_000 : 100_000;
    const seconds = quick ? 2 : 5;
    const stack = await Stack.start();
    try {
      const api = await stack.startApi();
      const redis = stack.client();
      let before = await usedMemory(redis);
      let batchId = '';
      let refused = 0;
      for (let done = 0; done < size; done += CHUNK) {
        progress.update(`${done}/${size} jobs queued through POST /v1/batches`);
        const items = Array.from({ length: Math.min(CHUNK, size - done) }, (_, i) =>
          dialogueRequest(done + i),
        );
        for (let attempt = 1; ; attempt += 1) {
          try {
            batchId = (await createBatch(api.url, items, done)).id;
            break;
          } catch (error) {
            // "Retry shortly" (503: nothing was kept), as a client would: B2 judges refusals,
            // this scenario needs the jobs in Redis. Counted in the figures.
            if (!(error instanceof UnexpectedAnswerError && error.status === 503) || attempt === 3)
              throw error;
            refused += 1;
          }
        }
      }
      const perJob = ((await usedMemory(redis)) - before) / size;

      progress.update(`baseline: ${size} bare BullMQ entries`);
      const queue = baselineQueue(redis);
      before = await usedMemory(redis);
      for (let done = 0; done < size; done += CHUNK) {
        const jobs = Array.from({ length: Math.min(CHUNK, size - done) }, (_, i) => ({
          name: 'text_to_dialogue',
          data: { job_id: `job_${String(done + i).padStart(26, '0')}` },
        }));
        await queue.addBulk(jobs);
      }
      const barePerJob = ((await usedMemory(redis)) - before) / size;
      await queue.close();

      const [job] = await batchJobs(api.url, batchId).then((jobs) => jobs.slice(-1));
      const read = (path: string): Promise<LoadResult> => {
        progress.update(`GET ${path}, 10 connections, ${seconds} s`);
        return httpLoad({ url: `${api.url}${path}`, connections: 10, seconds });
      };
      const health = await read('/healthz');
      const jobRead = await read(`/v1/jobs/${job?.id ?? ''}`);
      const batchRead = await read(`/v1/batches/${batchId}`);
      const jobRatio = jobRead.p99Ms / health.p99Ms;
      const batchRatio = batchRead.p99Ms / health.p99Ms;
      return [
        {
          id: 'B6',
          title: `${size.toLocaleString('en')} queued jobs`,
          baseline: `bare entry ${Math.round(barePerJob)} B; /healthz p99 ${micros(health)} µs`,
          measured: `${Math.round(perJob)} B/job; GET job p99 ${micros(jobRead)} µs, GET batch p99 ${micros(batchRead)} µs`,
          ratio: null,
          checks: [
            check('bytes per job', perJob, '≤', 1500),
            check('GET job p99 ÷ healthz', jobRatio, '≤', 1.5),
            check('GET batch p99 ÷ healthz', batchRatio, '≤', 2),
            check('read errors', jobRead.errors + batchRead.errors, '==', 0),
          ],
          figures: {
            jobs: size,
            refused_batches: refused,
            bytes_per_job: perJob,
            bare_bytes_per_job: barePerJob,
            healthz_p99_us: health.p99Ms * 1000,
            job_p99_us: jobRead.p99Ms * 1000,
            batch_p99_us: batchRead.p99Ms * 1000,
            // The medians beside the p99s: a route's cost shows in its median, the machine's
            // scheduling and GC pauses in its tail.
            healthz_p50_us: health.p50Ms * 1000,
            job_p50_us: jobRead.p50Ms * 1000,
            batch_p50_us: batchRead.p50Ms * 1000,
            healthz_rate: health.rate,
            job_rate: jobRead.rate,
            batch_rate: batchRead.rate,
          },
        },
      ];
    } finally {
      await stack.stop();
    }
  },
};

/** A p99 in whole microseconds: on a quiet machine these routes answer in about a millisecond. */
function micros(load: LoadResult): number {
  return Math.round(load.p99Ms * 1000);
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}
