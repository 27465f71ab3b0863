import { baselineQueue } from '../harness/baseline-queue.ts';
import { closedLoop, httpLoad } from '../harness/load.ts';
import { dialogueRequest } from '../harness/requests.ts';
import { check } from '../harness/results.ts';
import type { Scenario } from '../harness/scenario.ts';
import { round } from '../harness/stats.ts';
import { Stack } from '../harness/stack.ts';

const CONNECTIONS = 50;

/**
 * B1, intake: `POST /v1/jobs` of a small dialogue job with 50 connections, against BullMQ's
 * `queue.add` of the same payload with 50 in flight, on the same Redis. Only an api process
 * runs: the jobs stay queued. Also measured, for reading the ratio: the HTTP ceiling, a bare
 * Fastify route doing nothing but that `queue.add` (bare-intake-server.ts), with the same load.
 */
export const b1Intake: Scenario = {
  id: 'B1',
  quick: true,
  async run({ quick, progress }) {
    const seconds = quick ? 3 : 10;
    const stack = await Stack.start();
    try {
      const api = await stack.startApi();
      const request = dialogueRequest(42);
      const queue = baselineQueue(stack.client());
      progress.update(`baseline: queue.add, ${CONNECTIONS} in flight, ${seconds} s`);
      const baseline = await closedLoop({
        operation: () => queue.add('text_to_dialogue', request),
        concurrency: CONNECTIONS,
        seconds,
      });
      await queue.close();
      progress.update(`POST /v1/jobs, ${CONNECTIONS} connections, ${seconds} s`);
      const service = await httpLoad({
        url: `${api.url}/v1/jobs`,
        method: 'POST',
        body: JSON.stringify(request),
        connections: CONNECTIONS,
        seconds,
      });
      const ratio = service.rate / baseline.rate;
      const bareIntake = await stack.startBareIntake();
      progress.update(`HTTP ceiling: bare POST + queue.add, ${CONNECTIONS} connections`);
      const ceiling = await httpLoad({
        url: `${bareIntake.url}/v1/jobs`,
        method: 'POST',
        body: JSON.stringify(request),
        connections: CONNECTIONS,
        seconds,
      });
      await bareIntake.process.stop();
      return [
        {
          id: 'B1',
          title: `POST /v1/jobs, ${CONNECTIONS} connections, ${seconds} s`,
          baseline: `${Math.round(baseline.rate)} jobs/s, p99 ${round(baseline.p99Ms)} ms`,
          measured:
            `${Math.round(service.rate)} jobs/s, p99 ${round(service.p99Ms)} ms; ` +
            `HTTP ceiling ${Math.round(ceiling.rate)} jobs/s (${round(ceiling.rate / baseline.rate)} ×)`,
          ratio,
          checks: [
            check('ratio', ratio, '≥', 0.5),
            check('p99 ÷ baseline p99', service.p99Ms / baseline.p99Ms, '≤', 2),
            check('errors', service.errors, '==', 0),
          ],
          figures: {
            baseline_rate: baseline.rate,
            baseline_p50_ms: baseline.p50Ms,
            baseline_p99_ms: baseline.p99Ms,
            rate: service.rate,
            p50_ms: service.p50Ms,
            p99_ms: service.p99Ms,
            errors: service.errors,
            ceiling_rate: ceiling.rate,
            ceiling_ratio: ceiling.rate / baseline.rate,
            service_to_ceiling: service.rate / ceiling.rate,
          },
        },
      ];
    } finally {
      await stack.stop();
    }
  },
};
