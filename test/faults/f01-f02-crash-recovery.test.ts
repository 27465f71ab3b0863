import { describe, expect, it } from 'vitest';
import { sineWav } from '../integration/e2e/audio-fixtures.ts';
import { PATIENCE_MS } from '../support/eventually.ts';
import { startCluster, type Cluster } from './support/cluster.ts';
import { checkInvariants } from './support/invariants.ts';
import { INPUT, report, stsRequest, totalRequests } from './support/scenario.ts';
import type { WorkerProcess } from './support/service-process.ts';

/** The worker process that logged `job started` for `jobId`. */
async function holderOf(cluster: Cluster, jobId: string): Promise<WorkerProcess> {
  let holder: WorkerProcess | undefined;
  await cluster.waitUntil(
    `a worker started ${jobId}`,
    () => {
      holder = cluster.workers.find((w) =>
        w.lines.some((l) => l.msg === 'job started' && l.job_id === jobId),
      );
      return holder !== undefined;
    },
    20_000,
  );
  return holder!;
}

describe('F1: kill -9 a worker during an upstream call', () => {
  it('the job re-runs on the other worker and succeeds in at most 2 calls; the slot comes back', async () => {
    const started = Date.now();
    // A limit of 1: the re-run needs the very slot the dead worker held, so it only runs once
    // that lease expired. This is "slots held by a killed worker come back".
    const cluster = await startCluster({
      label: 'f1',
      workers: 2,
      env: { UPSTREAM_CONCURRENCY: '1' },
      simulator: { latencyMs: 3_000 },
    });
    try {
      const upload = await cluster.upload(INPUT);
      const id = await cluster.submit(stsRequest(upload, 1));
      const victim = await holderOf(cluster, id);
      await cluster.waitUntil(
        'the call is in flight',
        () => cluster.simulator.counters().in_flight === 1,
        10_000,
      );
      victim.kill('SIGKILL');
      const killedAt = Date.now();
      await victim.exited;
      const survivor = cluster.workers.find((w) => w !== victim)!;
      const [record] = await cluster.waitFinished([id], 30_000);
      expect(record?.status).toBe('succeeded');
      // Logged just after the record changed; it reaches us through a pipe, later when busy.
      await survivor.waitForLine((l) => l.msg === 'job succeeded' && l.job_id === id, PATIENCE_MS);
      expect(totalRequests(cluster)).toBeLessThanOrEqual(2);
      const figures = await checkInvariants(cluster, { jobIds: [id], limit: 1 });
      report('F1', {
        ...figures,
        recovered_after_s: (Date.parse(record!.finished_at!) - killedAt) / 1000,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
    }
  });
});

describe('F2: kill -9 a worker during an output upload', () => {
  it('nothing under the final key until the re-run completes, exactly one object afterwards', async () => {
    const started = Date.now();
    const cluster = await startCluster({
      label: 'f2',
      workers: 2,
      env: { UPSTREAM_BODY_IDLE_TIMEOUT_MS: '30000' },
      // The first response sends a quarter of its body and stalls: 38 MB of pcm_48000, so the
      // quarter (9.6 MB) is past the first 8 MiB part and a multipart upload is under way.
      simulator: { limits: { maxInputSeconds: 600 }, faults: { next: ['stall_body'] } },
    });
    try {
      const upload = await cluster.upload(sineWav(400, 8_000));
      const id = await cluster.submit(stsRequest(upload, 2, { output_format: 'pcm_48000' }));
      const victim = await holderOf(cluster, id);
      await cluster.waitUntil(
        'a multipart upload is under way',
        async () => (await cluster.storage.listPendingUploads(`jobs/${id}/`)).length > 0,
        30_000,
      );
      victim.kill('SIGKILL');
      await victim.exited;
      // The dead worker's upload is abandoned: nothing may be visible under the final key.
      const visible: string[] = [];
      for await (const key of cluster.storage.list(`jobs/${id}/`)) visible.push(key);
      expect(visible).toEqual([]);
      const leftover = await cluster.storage.listPendingUploads(`jobs/${id}/`);
      expect(leftover.length).toBeGreaterThan(0);

      const [record] = await cluster.waitFinished([id], 60_000);
      expect(record?.status).toBe('succeeded');
      expect(record?.outputs).toHaveLength(1);
      // The finish of the re-run cleared what the dead run left: its upload, in its own folder.
      const survivor = cluster.workers.find((w) => w !== victim)!;
      await survivor.waitForLine(
        (l) => l.msg === 'removed what uncommitted runs had written' && l.job_id === id,
        PATIENCE_MS,
      );
      const figures = await checkInvariants(cluster, { jobIds: [id], limit: 4 });
      report('F2', {
        ...figures,
        output_bytes: record?.outputs[0]?.bytes,
        abandoned_uploads_aborted: leftover.length,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
    }
  });
});
