import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { postSpeechToSpeech } from '../integration/simulator/simulator-client.ts';
import { SIMULATOR_KEY, startCluster } from './support/cluster.ts';
import { checkInvariants } from './support/invariants.ts';
import { attemptDurationMs, recordedAttempts } from './support/job-json.ts';
import { INPUT, OUTPUT_FORMAT, report, submitBatch, VOICE } from './support/scenario.ts';

describe('F6: upstream 429 storm (concurrency)', () => {
  it('no job fails, no attempt is spent, throughput recovers once it passes', async () => {
    const started = Date.now();
    const storm = 24;
    const cluster = await startCluster({
      label: 'f6',
      workers: 2,
      // One attempt per job: a 429 that spent one would fail the job.
      env: { JOB_ATTEMPTS: '1', METRICS_PORT: '0' },
      simulator: { latencyMs: 200, faults: { next: Array(storm).fill('concurrency_429') } },
    });
    try {
      const upload = await cluster.upload(INPUT);
      const ids = await submitBatch(cluster, upload, 16);
      await cluster.waitUntil(
        'the storm has passed',
        () => (cluster.simulator.counters().faults.concurrency_429 ?? 0) >= storm,
        60_000,
      );
      const stormEndedAt = Date.now();
      const records = await cluster.waitFinished(ids, 60_000);
      const recoveryMs = Date.now() - stormEndedAt;
      expect(records.map((r) => r.attempts)).toEqual(ids.map(() => 1));
      const requeued = (await Promise.all(ids.map((id) => recordedAttempts(cluster, id))))
        .flat()
        .filter((a) => a.outcome === 'requeued_concurrency').length;
      expect(requeued).toBe(storm);
      // What the jobs left after the storm took: a few calls' time (1.6 s in the report), not
      // another storm: the 24 refusals each slowing the queue for 1 s in turn would take 24 s.
      expect(recoveryMs).toBeLessThan(15_000);

      const metricsUrl = cluster.workers
        .flatMap((w) => w.lines)
        .find((l) => l.msg === 'worker metrics listening')?.url as string;
      const text = await (await fetch(`${metricsUrl}/metrics`)).text();
      expect(text).toMatch(
        /audiobatch_upstream_429_total\{class="speech",code="(too_many_concurrent_requests|concurrent_limit_exceeded)"\} [1-9]/,
      );
      const figures = await checkInvariants(cluster, { jobIds: ids, limit: 4 });
      report('F6', {
        ...figures,
        requeued_without_attempt: requeued,
        recovery_after_storm_s: recoveryMs / 1000,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
    }
  });
});

describe('F7: 5xx, system_busy, resets mid-body and truncated bodies at 25%', () => {
  it('all jobs succeed within their attempts, backoff grows, outputs are whole', async () => {
    const started = Date.now();
    const cluster = await startCluster({
      label: 'f7',
      workers: 2,
      env: { JOB_ATTEMPTS: '10', JOB_BACKOFF_MS: '200' },
      // First a probe job alone meets one fault of each kind in a row: its four retries show
      // the backoff growing. Then the batch, with faults drawn at 25% from a seeded PRNG.
      simulator: {
        latencyMs: 100,
        faults: { next: ['error_500', 'system_busy', 'reset_mid_body', 'truncated_body'] },
      },
    });
    try {
      const upload = await cluster.upload(INPUT);
      const [probe] = await submitBatch(cluster, upload, 1, 1000);
      const [probed] = await cluster.waitFinished([probe!], 30_000);
      expect(probed?.attempts).toBe(5);
      cluster.simulator.configure({
        faults: {
          seed: 7,
          rates: { error_500: 0.07, system_busy: 0.06, reset_mid_body: 0.06, truncated_body: 0.06 },
        },
      });
      const ids = [probe!, ...(await submitBatch(cluster, upload, 30))];
      const records = await cluster.waitFinished(ids, 90_000);
      const figures = await checkInvariants(cluster, { jobIds: ids, limit: 4 });

      // Backoff: each retry's ceiling doubles, its delay stays under it, and the next attempt
      // started no sooner than the delay said.
      const scheduled = cluster.workers
        .flatMap((w) => w.lines)
        .filter((l) => l.msg === 'retry scheduled');
      expect(scheduled.length).toBeGreaterThan(0);
      for (const line of scheduled) {
        const made = line.attempts_made as number;
        expect(line.ceiling_ms).toBe(Math.min(60_000, 200 * 2 ** (made - 1)));
        expect(line.delay_ms as number).toBeLessThanOrEqual(line.ceiling_ms as number);
      }
      // Retries of one job may run on either worker: order them by attempt.
      const probeLines = scheduled
        .filter((l) => l.job_id === probe)
        .sort((a, b) => (a.attempts_made as number) - (b.attempts_made as number));
      const probeCeilings = probeLines.map((l) => l.ceiling_ms);
      expect(probeCeilings).toEqual([200, 400, 800, 1600]);
      const delayOf = new Map(
        scheduled.map((l) => [`${String(l.job_id)}#${String(l.attempts_made)}`, l]),
      );
      let gapsChecked = 0;
      for (const id of ids) {
        const attempts = await recordedAttempts(cluster, id);
        for (let i = 1; i < attempts.length; i++) {
          const line = delayOf.get(`${id}#${attempts[i - 1]!.attempt}`);
          if (!line) continue;
          const gap =
            Date.parse(attempts[i]!.started_at) - Date.parse(attempts[i - 1]!.finished_at);
          // A lower bound: a busy machine only lengthens gaps (50 ms: timestamps' rounding).
          expect(gap).toBeGreaterThanOrEqual((line.delay_ms as number) - 50);
          gapsChecked += 1;
        }
      }

      // Whole outputs: each equals what a clean call for the same request returns.
      cluster.simulator.configure({ faults: { rates: {}, next: [] } });
      for (const record of records) {
        const response = await postSpeechToSpeech(cluster.simulator.url, {
          apiKey: SIMULATOR_KEY,
          voiceId: VOICE,
          audio: INPUT,
          query: { output_format: OUTPUT_FORMAT },
          fields: {
            model_id: 'eleven_multilingual_sts_v2',
            seed: String(record.seed),
            remove_background_noise: 'false',
          },
        });
        const clean = Buffer.from(await response.arrayBuffer());
        expect(record.outputs[0]?.sha256).toBe(createHash('sha256').update(clean).digest('hex'));
      }
      report('F7', {
        ...figures,
        attempts_total: records.reduce((sum, r) => sum + r.attempts, 0),
        retries_scheduled: scheduled.length,
        probe_backoff_ceilings_ms: probeCeilings,
        probe_backoff_delays_ms: probeLines.map((l) => l.delay_ms),
        backoff_gaps_checked: gapsChecked,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
    }
  });
});

describe('F8: the upstream accepts the connection and never answers', () => {
  it('each stalled attempt is aborted at its timeout and retried; no job is stuck', async () => {
    const started = Date.now();
    const timeoutMs = 1_500;
    const cluster = await startCluster({
      label: 'f8',
      workers: 2,
      env: {
        UPSTREAM_HEADERS_TIMEOUT_MS: String(timeoutMs),
        UPSTREAM_BODY_IDLE_TIMEOUT_MS: String(timeoutMs),
      },
      simulator: {
        faults: { next: ['stall_headers', 'stall_body', 'stall_headers', 'stall_body'] },
      },
    });
    try {
      const upload = await cluster.upload(INPUT);
      const ids = await submitBatch(cluster, upload, 4);
      await cluster.waitFinished(ids, 60_000);
      const figures = await checkInvariants(cluster, { jobIds: ids, limit: 4 });
      const stalled = (await Promise.all(ids.map((id) => recordedAttempts(cluster, id))))
        .flat()
        .filter((a) => a.outcome === 'retry');
      expect(stalled).toHaveLength(4);
      for (const attempt of stalled) {
        expect(attempt.upstream_code).toMatch(/UND_ERR_(HEADERS|BODY)_TIMEOUT/);
        // Aborted at its timeout: not before (a lower bound, which load cannot break), and by
        // that timeout, not by the 30 s total timeout that would otherwise end a stalled call
        // (the report has the real figures, about 0.5 s past the mark).
        expect(attemptDurationMs(attempt)).toBeGreaterThanOrEqual(timeoutMs - 50);
        expect(attemptDurationMs(attempt)).toBeLessThan(15_000);
      }
      report('F8', {
        ...figures,
        stalled_attempts: stalled.length,
        aborted_after_ms: stalled.map(attemptDurationMs),
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
    }
  });
});
