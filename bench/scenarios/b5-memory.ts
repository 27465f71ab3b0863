import { setTimeout as sleep } from 'node:timers/promises';
import { createBatch, waitBatch } from '../harness/api.ts';
import { BIG_MUSIC_BYTES, bigMusicRequest } from '../harness/requests.ts';
import { check } from '../harness/results.ts';
import type { Scenario } from '../harness/scenario.ts';
import { round } from '../harness/stats.ts';
import { Stack } from '../harness/stack.ts';

const MB = 1024 * 1024;

/**
 * B5, memory: one compiled worker process (`node dist/main.js worker`) writes 20 outputs of
 * ~50 MB each, streamed; its peak RSS (the kernel's VmHWM) against the same process idle, and
 * the RSS sampled through the run to show it stays flat.
 */
export const b5Memory: Scenario = {
  id: 'B5',
  quick: true,
  async run({ quick, progress }) {
    const size = quick ? 2 : 20;
    const stack = await Stack.start({ simulator: { music: 2 } });
    try {
      const api = await stack.startApi();
      const worker = await stack.startWorker();
      await sleep(2_000); // let start-up garbage settle before reading "idle"
      const idle = await worker.process.memory();
      const items = Array.from({ length: size }, () => bigMusicRequest());
      const batch = await createBatch(api.url, items, 5);
      const samples: number[] = [];
      let polling = true;
      const sampler = (async () => {
        while (polling) {
          samples.push((await worker.process.memory()).rss);
          await sleep(250);
        }
      })();
      const done = await waitBatch(api.url, batch.id, (view) =>
        progress.update(
          `${view.counts.succeeded}/${size} outputs of ${round(BIG_MUSIC_BYTES / MB)} MB`,
        ),
      );
      polling = false;
      await sampler;
      const { peak } = await worker.process.memory();
      const half = Math.floor(samples.length / 2);
      const firstHalf = Math.max(...samples.slice(0, half));
      const secondHalf = Math.max(...samples.slice(half));
      const growth = secondHalf / firstHalf;
      return [
        {
          id: 'B5',
          title: `worker RSS writing ${size} × ${round(BIG_MUSIC_BYTES / MB)} MB outputs`,
          baseline: `idle ${round(idle.rss / MB)} MB`,
          measured: `peak ${round(peak / MB)} MB (2nd half ÷ 1st half ${round(growth)})`,
          ratio: null,
          checks: [
            check('peak RSS (MB)', peak / MB, '≤', 150),
            check('2nd half ÷ 1st half', growth, '≤', 1.15),
            check('succeeded', done.counts.succeeded, '==', size),
          ],
          figures: {
            outputs: size,
            output_bytes: BIG_MUSIC_BYTES,
            idle_rss_mb: idle.rss / MB,
            peak_rss_mb: peak / MB,
            first_half_max_mb: firstHalf / MB,
            second_half_max_mb: secondHalf / MB,
            succeeded: done.counts.succeeded,
          },
        },
      ];
    } finally {
      await stack.stop();
    }
  },
};
