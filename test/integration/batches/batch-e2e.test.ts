import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sineWav } from '../e2e/audio-fixtures.ts';
import { upload } from '../e2e/e2e-helpers.ts';
import { startTestService, type TestService } from '../e2e/service-harness.ts';
import {
  ndjsonLines,
  resultsOf,
  stsDefaults,
  submitBatch,
  VOICE,
  waitForBatch,
  type BatchView,
  type ResultLine,
} from './batch-helpers.ts';

/** Upstream requests the simulator has answered so far. */
function upstreamCalls(service: TestService): number {
  return Object.values(service.simulator.counters().requests).reduce((sum, n) => sum + n, 0);
}

/** Where the file driver keeps `key` (STORAGE_URL is file://…). */
function storedPath(service: TestService, key: string): string {
  return join(new URL(service.config.STORAGE_URL).pathname, key);
}

describe('batches end to end', () => {
  let service: TestService;
  let input: string;
  beforeAll(async () => {
    service = await startTestService({
      storage: 'file',
      env: { UPSTREAM_CONCURRENCY: '10', WORKER_CONCURRENCY: '20' },
    });
    service.simulator.configure({ concurrency: { speech: 10 } });
    input = await upload(service, sineWav(0.25));
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('runs 1,000 items, then reruns them with the same seed byte for byte without an upstream call', async () => {
    const items = Array.from({ length: 1_000 }, (_, i) => ({
      custom_id: `line/${i}`,
      input: { upload_id: input },
    }));
    const first = await submitBatch(service, { seed: 2024, defaults: stsDefaults, items });
    const done = await waitForBatch(service, first.id);
    expect(done).toMatchObject({
      status: 'completed',
      counts: { total: 1_000, queued: 0, running: 0, succeeded: 1_000, failed: 0, canceled: 0 },
      progress: { finished: 1_000, fraction: 1, eta_seconds: 0 },
      results: { generation: 1, lines: 1_000 },
    });
    const results = await resultsOf(service, first.id);
    expect(results.size).toBe(1_000);
    expect([...results.values()].every((line) => line.status === 'succeeded')).toBe(true);

    // What the batch left in storage: the same lines (keys instead of URLs) and a manifest.
    const file = ndjsonLines<ResultLine>(
      await readFile(storedPath(service, `batches/${first.id}/results.ndjson`), 'utf8'),
    );
    expect(file.map((line) => line.custom_id)).toEqual(items.map((item) => item.custom_id));
    expect(file[0]?.outputs[0]?.key).toMatch(/^jobs\/job_.+\/audio/);
    const manifest = JSON.parse(
      await readFile(storedPath(service, `batches/${first.id}/manifest.json`), 'utf8'),
    ) as { batch: BatchView };
    expect(manifest.batch).toMatchObject({
      id: first.id,
      seed: 2024,
      counts: { succeeded: 1_000 },
    });

    const callsBefore = upstreamCalls(service);
    const rerun = await submitBatch(service, { seed: 2024, defaults: stsDefaults, items });
    await waitForBatch(service, rerun.id);
    expect(upstreamCalls(service)).toBe(callsBefore);
    const again = await resultsOf(service, rerun.id);
    for (const [customId, line] of results) {
      const repeated = again.get(customId);
      expect(repeated?.seed).toBe(line.seed);
      expect(repeated?.fingerprint).toBe(line.fingerprint);
      expect(repeated?.outputs[0]?.sha256).toBe(line.outputs[0]?.sha256);
    }
  });

  it('cancels mid-run: queued items at once, running ones aborted, finished ones kept', async () => {
    // 10 calls at a time: the first ten finish together, and the cancel has to land before the
    // next ten do, one call's latency later. 400 ms was too short a window for a busy machine.
    service.simulator.configure({ latencyMs: 5_000 });
    try {
      const items = Array.from({ length: 40 }, (_, i) => ({
        custom_id: `cancel/${i}`,
        input: { upload_id: input },
        cache: 'bypass',
      }));
      const batch = await submitBatch(service, { defaults: stsDefaults, items });
      await waitForBatch(service, batch.id, (b) => b.counts.succeeded >= 2, 30_000);
      const { status, body: canceled } = await service.json<BatchView>(
        `/v1/batches/${batch.id}/cancel`,
        { method: 'POST' },
      );
      expect(status).toBe(200);
      expect(canceled.cancel_requested).toBe(true);
      expect(canceled.counts.queued).toBe(0);

      const done = await waitForBatch(service, batch.id, (b) => b.finished_at !== null, 30_000);
      expect(done.status).toBe('canceled');
      const { counts } = done;
      expect(counts.succeeded).toBeGreaterThanOrEqual(2);
      expect(counts.canceled).toBeGreaterThan(20);
      expect(counts.succeeded + counts.canceled + counts.failed).toBe(40);
      const again = await service.json<BatchView>(`/v1/batches/${batch.id}/cancel`, {
        method: 'POST',
      });
      expect(again.status).toBe(200);
      expect(again.body.counts).toEqual(counts);
    } finally {
      service.simulator.configure({ latencyMs: 0 });
    }
  });

  it('retries failed items with their seeds once the failures stop', async () => {
    const broken = 'brokenVoice0000000001';
    service.simulator.configure({ rejectVoiceIds: [broken] });
    try {
      const items = Array.from({ length: 12 }, (_, i) => ({
        custom_id: `retry/${i}`,
        input: { upload_id: input },
        params: { voice_id: i % 3 === 0 ? broken : VOICE },
      }));
      const batch = await submitBatch(service, { seed: 77, defaults: stsDefaults, items });
      const failed = await waitForBatch(service, batch.id);
      expect(failed).toMatchObject({ status: 'completed', counts: { succeeded: 8, failed: 4 } });
      const before = await resultsOf(service, batch.id);
      expect(before.get('retry/0')?.error?.code).toBeTruthy();

      service.simulator.configure({ rejectVoiceIds: [] });
      const retry = () =>
        service.json<BatchView>(`/v1/batches/${batch.id}/retry`, { method: 'POST' });
      expect((await retry()).status).toBe(202);
      const done = await waitForBatch(
        service,
        batch.id,
        (b) => b.completions === 2 && b.results?.generation === 2,
      );
      expect(done).toMatchObject({ status: 'completed', counts: { succeeded: 12, failed: 0 } });
      const after = await resultsOf(service, batch.id);
      for (const [customId, line] of before) {
        expect(after.get(customId)?.seed).toBe(line.seed);
        expect(after.get(customId)?.job_id).toBe(line.job_id);
      }
      // Nothing left to retry: a second call changes nothing.
      expect((await retry()).body).toMatchObject({ status: 'completed', completions: 2 });
    } finally {
      service.simulator.configure({ rejectVoiceIds: [] });
    }
  });
});
