import { UnexpectedAnswerError, createBatch } from '../harness/api.ts';
import { baselineQueue } from '../harness/baseline-queue.ts';
import { httpLoad } from '../harness/load.ts';
import { dialogueRequest } from '../harness/requests.ts';
import { check } from '../harness/results.ts';
import type { Scenario } from '../harness/scenario.ts';
import { round } from '../harness/stats.ts';
import { Stack } from '../harness/stack.ts';

/**
 * B2, batch ingest: one `POST /v1/batches` of 10,000 dialogue items against one BullMQ
 * `addBulk` of the same payloads; then another such batch while B1's load runs beside it,
 * where neither may see a 5xx.
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
      progress.update(`baseline: addBulk of ${size}`);
      let started = performance.now();
      await queue.addBulk(items.map((data) => ({ name: 'text_to_dialogue', data })));
      const baselineSeconds = (performance.now() - started) / 1000;
      await queue.close();

      progress.update(`POST /v1/batches of ${size}`);
      started = performance.now();
      const status = await statusOf(createBatch(api.url, items, 1));
      const seconds = (performance.now() - started) / 1000;

      progress.update(`POST /v1/batches of ${size} beside POST /v1/jobs load`);
      const beside = httpLoad({
        url: `${api.url}/v1/jobs`,
        method: 'POST',
        body: JSON.stringify(dialogueRequest(7)),
        connections: 50,
        seconds: quick ? 3 : 10,
      });
      started = performance.now();
      const loadedStatus = await statusOf(createBatch(api.url, items, 2));
      const loadedSeconds = (performance.now() - started) / 1000;
      const load = await beside;

      // A refused batch has no ingest time to compare: its ratio is 0.
      const ratio = status === 202 ? baselineSeconds / seconds : 0;
      const failed = (answer: number) => (answer >= 500 || answer === 0 ? 1 : 0);
      const serverErrors = failed(status) + failed(loadedStatus) + load.serverErrors;
      return [
        {
          id: 'B2',
          title: `one POST /v1/batches of ${size.toLocaleString('en')} items`,
          baseline: `addBulk ${round(baselineSeconds)} s`,
          measured: `${round(seconds)} s: ${status} (${round(loadedSeconds)} s beside B1 load: ${loadedStatus})`,
          ratio,
          checks: [check('ratio', ratio, '≥', 0.6), check('5xx', serverErrors, '==', 0)],
          figures: {
            items: size,
            baseline_seconds: baselineSeconds,
            seconds,
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
