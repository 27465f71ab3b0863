import { UnexpectedAnswerError, createBatch } from '../harness/api.ts';
import { baselineQueue } from '../harness/baseline-queue.ts';
import { httpLoad } from '../harness/load.ts';
import { dialogueRequest } from '../harness/requests.ts';
import { check } from '../harness/results.ts';
import type { Scenario } from '../harness/scenario.ts';
import { quantile, round } from '../harness/stats.ts';
import { Stack } from '../harness/stack.ts';

/**
 * Rounds of (addBulk, POST) in a full run. On a shared 2-core machine one pair of single
 * measurements gave ratios from 0.33 to 0.57 for the same code (each side slowed by whatever
 * else ran in its second): alternating rounds see the same load, and their medians are
 * compared.
 */
const ROUNDS = 3;

/**
 * B2, batch ingest: `POST /v1/batches` of 10,000 dialogue items against BullMQ `addBulk` of
 * the same payloads, in alternating rounds (medians compared); then another such batch while
 * B1's load runs beside it, where neither may see a 5xx.
 */
export const b2BatchIngest: Scenario = {
  id: 'B2',
  quick: true,
  async run({ quick, progress }) {
    const size = quick ? 2_000 : 10_000;
    const items = Array.from({ length: size }, (_, i) => ({
      custom_id: `item-${i}`,
      ...dialogueRequest(i),
    }));
    const stack = await Stack.start();
    try {
      const api = await stack.startApi();
      const queue = baselineQueue(stack.client());
      const rounds = quick ? 1 : ROUNDS;
      const baselineRounds: number[] = [];
      const posts: { seconds: number; status: number }[] = [];
      for (let n = 1; n <= rounds; n++) {
        progress.update(`round ${n}/${rounds}: addBulk of ${size}`);
        const bulkStarted = performance.now();
        await queue.addBulk(items.map((data) => ({ name: 'text_to_dialogue', data })));
        baselineRounds.push((performance.now() - bulkStarted) / 1000);

        progress.update(`round ${n}/${rounds}: POST /v1/batches of ${size}`);
        const postStarted = performance.now();
        // Seeds differ per batch: no item is another's rerun (cache hits are B7's subject).
        const answer = await statusOf(createBatch(api.url, items, 100 + n));
        posts.push({ seconds: (performance.now() - postStarted) / 1000, status: answer });
      }
      await queue.close();
      const baselineSeconds = quantile(baselineRounds, 0.5);
      const seconds = quantile(
        posts.map((post) => post.seconds),
        0.5,
      );
      // Any refusal in any round is the run's status.
      const status = posts.find((post) => post.status !== 202)?.status ?? 202;

      progress.update(`POST /v1/batches of ${size} beside POST /v1/jobs load`);
      const beside = httpLoad({
        url: `${api.url}/v1/jobs`,
        method: 'POST',
        body: JSON.stringify(dialogueRequest(7)),
        connections: 50,
        seconds: quick ? 3 : 10,
      });
      const started = performance.now();
      const loadedStatus = await statusOf(createBatch(api.url, items, 2));
      const loadedSeconds = (performance.now() - started) / 1000;
      const load = await beside;

      // A refused batch has no ingest time to compare: its ratio is 0.
      const ratio = status === 202 ? baselineSeconds / seconds : 0;
      const failed = (answer: number) => (answer >= 500 || answer === 0 ? 1 : 0);
      const serverErrors =
        posts.reduce((sum, post) => sum + failed(post.status), 0) +
        failed(loadedStatus) +
        load.serverErrors;
      return [
        {
          id: 'B2',
          title: `one POST /v1/batches of ${size.toLocaleString('en')} items`,
          baseline: `addBulk ${round(baselineSeconds)} s${rounds > 1 ? ` (median of ${rounds})` : ''}`,
          measured: `${round(seconds)} s: ${status} (${round(loadedSeconds)} s beside B1 load: ${loadedStatus})`,
          ratio,
          checks: [check('ratio', ratio, '≥', 0.6), check('5xx', serverErrors, '==', 0)],
          figures: {
            items: size,
            rounds,
            baseline_seconds: baselineSeconds,
            seconds,
            baseline_rounds_seconds: baselineRounds.map((s) => round(s)).join(' '),
            rounds_seconds: posts.map((post) => round(post.seconds)).join(' '),
            status,
            loaded_seconds: loadedSeconds,
            loaded_status: loadedStatus,
            beside_rate: load.rate,
            beside_5xx: load.serverErrors,
          },
        },
      ];
    } finally {
      await stack.stop();
    }
  },
};

/** The HTTP status a batch submission got: 202, the refusal's status, or 0 without an answer. */
function statusOf(submission: Promise<unknown>): Promise<number> {
  return submission.then(
    () => 202,
    (error: unknown) => (error instanceof UnexpectedAnswerError ? error.status : 0),
  );
}
