import {
  batchJobs,
  createBatchRetrying,
  createJob,
  getJob,
  waitBatch,
  type JobView,
} from '../harness/api.ts';
import { totalCpuSeconds } from '../harness/cpu-time.ts';
import type { Progress } from '../harness/progress.ts';
import { dialogueRequest } from '../harness/requests.ts';
import type { ServiceProcess, Stack } from '../harness/stack.ts';

/** The share of a round's jobs left out at each end of its rate: start-up and tail. */
const EDGE = 0.1;

/** What one round of B8 measured: `processes` workers taking `jobs` cache hits. */
export interface RoundFigures {
  /** Jobs/s of the workers once all were running, over the middle 80 % of their jobs. */
  rate: number;
  /** Batch items that did not end `succeeded` with `cache: "hit"` (0 if the round is valid). */
  notHits: number;
  /** CPU per job while the workers ran, ms: all worker processes, and all of Redis. */
  workerCpuMsPerJob: number;
  redisCpuMsPerJob: number;
  /** Cores each worker process kept busy on average (1: one core, the most one can use). */
  coresPerWorker: number;
  /** 503s the batch intake answered before the batch got in (B2 judges those). */
  refused: number;
}

/**
 * One round of B8 on `stack`: `size` identical jobs queued as one batch, then taken by
 * `processes` worker processes as cache hits.
 *
 * The jobs are queued before their answer is in the cache, so the intake (which answers
 * cache hits itself where it can) finds none and every job reaches a worker: B8 measures
 * workers. A primer job, queued first with the same request, is what puts the answer in the
 * cache: one worker taking one job at a time runs it ahead of the batch (the tenant's
 * fair-share order) and stops; then the measured workers start, and every batch job they
 * take is a hit. `seed` must be new to the stack, so that nothing is cached before.
 */
export async function measureRound(
  stack: Stack,
  api: ServiceProcess,
  options: { processes: number; size: number; seed: number; label: string; progress: Progress },
): Promise<RoundFigures> {
  const { processes, size, seed, label, progress } = options;
  const request = dialogueRequest(seed);
  const primer = await createJob(api.url, request);
  const items = Array(size).fill(request) as object[];
  const { batch, refused } = await createBatchRetrying(api.url, items, seed);
  await runPrimer(stack, api, primer.id);

  const workers = await Promise.all(Array.from({ length: processes }, () => stack.startWorker()));
  const pids = workers.map((worker) => worker.process.pid);
  const startedAt = Date.now();
  const [workerCpu, redisCpu] = [
    await totalCpuSeconds(pids),
    await totalCpuSeconds(stack.redis.pids),
  ];
  await waitBatch(api.url, batch.id, (view) =>
    progress.update(`${label}, ${processes} workers: ${view.counts.succeeded}/${size}`),
  );
  const seconds = (Date.now() - startedAt) / 1000;
  const workerSpent = (await totalCpuSeconds(pids)) - workerCpu;
  const redisSpent = (await totalCpuSeconds(stack.redis.pids)) - redisCpu;
  await Promise.all(workers.map((worker) => worker.process.stop()));

  const jobs = await batchJobs(api.url, batch.id);
  const finished = finishTimes(jobs).filter((time) => time >= startedAt);
  return {
    rate: middleRate(finished),
    notHits: jobs.filter((job) => job.status !== 'succeeded' || job.cache !== 'hit').length,
    workerCpuMsPerJob: (workerSpent * 1000) / finished.length,
    redisCpuMsPerJob: (redisSpent * 1000) / finished.length,
    coresPerWorker: workerSpent / seconds / processes,
    refused,
  };
}

/** Runs the primer job alone (one worker, one job at a time) until it has succeeded. */
async function runPrimer(stack: Stack, api: ServiceProcess, jobId: string): Promise<void> {
  const worker = await stack.startWorker({ WORKER_CONCURRENCY: '1' });
  try {
    for (;;) {
      const { status } = await getJob(api.url, jobId, 10);
      if (status === 'succeeded') return;
      if (status === 'failed' || status === 'canceled')
        throw new Error(`B8's primer job ${jobId} ended ${status}`);
    }
  } finally {
    await worker.process.stop();
  }
}

function finishTimes(jobs: JobView[]): number[] {
  return jobs
    .map((job) => Date.parse(job.finished_at ?? ''))
    .filter((time) => Number.isFinite(time))
    .sort((a, b) => a - b);
}

/** Jobs/s between the first and the last job of the middle of `times` (sorted, epoch ms). */
function middleRate(times: number[]): number {
  const first = Math.floor(times.length * EDGE);
  const last = Math.max(Math.ceil(times.length * (1 - EDGE)) - 1, first);
  const seconds = ((times[last] ?? 0) - (times[first] ?? 0)) / 1000;
  return seconds > 0 ? (last - first) / seconds : 0;
}
