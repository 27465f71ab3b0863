import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import { batchJobs, createBatch, waitBatch } from '../harness/api.ts';
import { dialogueRequest, dialogueUpstreamBody } from '../harness/requests.ts';
import { check, type ScenarioResult } from '../harness/results.ts';
import type { Scenario } from '../harness/scenario.ts';
import {
  addHistogram,
  histogramQuantile,
  largestGap,
  round,
  type Buckets,
} from '../harness/stats.ts';
import { SIMULATOR_KEY, Stack } from '../harness/stack.ts';

const LIMIT = 10;
const LATENCY_MS = 200;
const WORKERS = 2;

/**
 * B3, upstream saturation: dialogue jobs through 2 worker processes against a simulator
 * account of C = 10 at 200 ms, against the physical limit C/latency and against a p-limit
 * script calling the simulator directly at concurrency C (what users write today). B4, the
 * per-job overhead at that saturation, comes from the workers' finish-overhead histogram.
 */
export const b3Saturation: Scenario = {
  id: 'B3',
  quick: true,
  async run({ quick, progress }) {
    const size = quick ? 300 : 2_000;
    const stack = await Stack.start({ simulator: { speech: LIMIT, latencyMs: LATENCY_MS } });
    try {
      progress.update(`baseline: p-limit script, ${size} calls at concurrency ${LIMIT}`);
      const scriptRate = await pLimitScript(stack, size);
      await stack.resetCounters();

      const api = await stack.startApi();
      const workers = await Promise.all(Array.from({ length: WORKERS }, () => stack.startWorker()));
      const items = Array.from({ length: size }, (_, i) => dialogueRequest(i));
      const batch = await createBatch(api.url, items, 3);
      const done = await waitBatch(api.url, batch.id, (view) =>
        progress.update(`${view.counts.succeeded}/${size} jobs through ${WORKERS} workers`),
      );
      const jobs = await batchJobs(api.url, batch.id);
      const finishedAt = jobs.map((job) => Date.parse(job.finished_at ?? ''));
      const seconds = (Math.max(...finishedAt) - Date.parse(done.created_at)) / 1000;
      const rate = done.counts.succeeded / seconds;
      const counters = await stack.counters();
      const stallSeconds = largestGap(finishedAt) / 1000;
      const physical = LIMIT / (LATENCY_MS / 1000);

      const overhead: Buckets = new Map();
      for (const worker of workers) {
        const text = await (await fetch(`${worker.url}/metrics`)).text();
        addHistogram(text, 'audiobatch_finish_overhead_seconds', overhead);
      }
      const p50Ms = histogramQuantile(overhead, 0.5) * 1000;
      const p99Ms = histogramQuantile(overhead, 0.99) * 1000;

      const b3: ScenarioResult = {
        id: 'B3',
        title: `${size} jobs, C = ${LIMIT}, ${LATENCY_MS} ms, ${WORKERS} workers`,
        baseline: `p-limit ${round(scriptRate)} jobs/s; C/latency ${physical} jobs/s`,
        measured: `${round(rate)} jobs/s, max in flight ${counters.max_in_flight_by_class.speech}, longest gap ${round(stallSeconds)} s`,
        ratio: rate / scriptRate,
        checks: [
          check('÷ p-limit', rate / scriptRate, '≥', 0.95),
          check('÷ C/latency', rate / physical, '≥', 0.9),
          check('429s', counters.rejected_concurrency, '==', 0),
          check('max in flight', counters.max_in_flight_by_class.speech, '==', LIMIT),
          check('longest gap (s)', stallSeconds, '≤', 1),
          check('failed', done.counts.failed, '==', 0),
        ],
        figures: {
          jobs: size,
          script_rate: scriptRate,
          physical_rate: physical,
          rate,
          seconds,
          rejected_concurrency: counters.rejected_concurrency,
          max_in_flight: counters.max_in_flight_by_class.speech,
          longest_gap_seconds: stallSeconds,
          failed: done.counts.failed,
        },
      };
      const b4: ScenarioResult = {
        id: 'B4',
        title: 'per-job overhead at saturation (upstream body end → succeeded)',
        baseline: '—',
        measured: `p50 ${round(p50Ms)} ms, p99 ${round(p99Ms)} ms`,
        ratio: null,
        checks: [check('p50 (ms)', p50Ms, '≤', 10), check('p99 (ms)', p99Ms, '≤', 50)],
        figures: { p50_ms: p50Ms, p99_ms: p99Ms, observations: overhead.get(Infinity) ?? 0 },
      };
      return [b3, b4];
    } finally {
      await stack.stop();
    }
  },
};

/** What users write today: p-limit at C around the upstream call, each body saved to a file. */
async function pLimitScript(stack: Stack, size: number): Promise<number> {
  const out = join(stack.dir, 'script');
  await mkdir(out, { recursive: true });
  const limit = pLimit(LIMIT);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: size }, (_, i) =>
      limit(async () => {
        const response = await fetch(
          `${stack.simulator.url}/v1/text-to-dialogue?output_format=mp3_44100_128`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'xi-api-key': SIMULATOR_KEY },
            body: JSON.stringify(dialogueUpstreamBody(i)),
          },
        );
        if (!response.ok || !response.body) throw new Error(`script call: HTTP ${response.status}`);
        await pipeline(Readable.fromWeb(response.body), createWriteStream(join(out, `${i}.mp3`)));
      }),
    ),
  );
  return size / ((performance.now() - started) / 1000);
}
