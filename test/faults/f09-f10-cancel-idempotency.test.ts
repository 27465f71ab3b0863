import { describe, expect, it } from 'vitest';
import { sineWav } from '../integration/e2e/audio-fixtures.ts';
import { startCluster, type Cluster } from './support/cluster.ts';
import { checkInvariants } from './support/invariants.ts';
import { INPUT, report, stsRequest, totalRequests } from './support/scenario.ts';

/**
 * The spec says an aborted call goes within 2 s (it takes tens of ms: the cancel is broadcast,
 * with a 2 s flag poll behind it), and the report records the time. The verdict is set against
 * what a cancel that did not abort would take instead: the 20 s call (F9a), the stalled body
 * until its 30 s idle timeout (F9b). 10 s is far above the real time even on a busy machine,
 * and well below those.
 */
const ABORT_BOUND_MS = 10_000;

/** Cancels `id` through the API and returns how long the upstream call took to go away. */
async function cancelAndTime(
  cluster: Cluster,
  id: string,
  gone: () => Promise<boolean> | boolean,
): Promise<number> {
  const at = Date.now();
  const response = await cluster.request(`/v1/jobs/${id}/cancel`, { method: 'POST' });
  // 202: the cancel was requested and broadcast; the holder finishes it.
  expect(response.status).toBe(202);
  await cluster.waitUntil('the holder aborted', gone, ABORT_BOUND_MS);
  return Date.now() - at;
}

/** True once a worker process (not the intake) logged that it started `id`. */
function startedByWorker(cluster: Cluster, id: string): boolean {
  return cluster.workers.some((w) =>
    w.lines.some((l) => l.msg === 'job started' && l.job_id === id),
  );
}

describe('F9: cancel a running job held by another worker process', () => {
  it('during the upstream call: aborted long before the call would end, canceled, no output', async () => {
    const started = Date.now();
    const cluster = await startCluster({
      label: 'f9-call',
      workers: 2,
      simulator: { latencyMs: 20_000 },
    });
    try {
      const upload = await cluster.upload(INPUT);
      const id = await cluster.submit(stsRequest(upload, 1));
      await cluster.waitUntil(
        'the call is in flight',
        () => startedByWorker(cluster, id) && cluster.simulator.counters().in_flight === 1,
        20_000,
      );
      const abortedMs = await cancelAndTime(
        cluster,
        id,
        () => cluster.simulator.counters().in_flight === 0,
      );
      expect(abortedMs).toBeLessThan(ABORT_BOUND_MS);
      const [record] = await cluster.waitFinished([id], 10_000);
      expect(record?.status).toBe('canceled');
      const figures = await checkInvariants(cluster, {
        jobIds: [id],
        limit: 4,
        expectedStatus: () => 'canceled',
      });
      report('F9a', {
        ...figures,
        call_aborted_after_ms: abortedMs,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
    }
  });

  it('during the output upload: the call and the multipart upload aborted long before the idle timeout', async () => {
    const started = Date.now();
    const cluster = await startCluster({
      label: 'f9-upload',
      workers: 2,
      env: { UPSTREAM_BODY_IDLE_TIMEOUT_MS: '30000' },
      simulator: { limits: { maxInputSeconds: 600 }, faults: { next: ['stall_body'] } },
    });
    try {
      const upload = await cluster.upload(sineWav(400, 8_000));
      const id = await cluster.submit(stsRequest(upload, 2, { output_format: 'pcm_48000' }));
      await cluster.waitUntil(
        'a multipart upload is under way',
        async () => (await cluster.storage.listPendingUploads(`jobs/${id}/`)).length > 0,
        30_000,
      );
      const abortedMs = await cancelAndTime(
        cluster,
        id,
        async () =>
          cluster.simulator.counters().in_flight === 0 &&
          (await cluster.storage.listPendingUploads(`jobs/${id}/`)).length === 0,
      );
      expect(abortedMs).toBeLessThan(ABORT_BOUND_MS);
      const [record] = await cluster.waitFinished([id], 10_000);
      expect(record?.status).toBe('canceled');
      const figures = await checkInvariants(cluster, {
        jobIds: [id],
        limit: 4,
        expectedStatus: () => 'canceled',
      });
      report('F9b', {
        ...figures,
        upload_aborted_after_ms: abortedMs,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
    }
  });
});

describe('F10: Idempotency-Key', () => {
  it('×10 concurrently: one job and one upstream call; another body under the key: 409', async () => {
    const started = Date.now();
    const cluster = await startCluster({ label: 'f10', workers: 2, simulator: { latencyMs: 300 } });
    try {
      const upload = await cluster.upload(INPUT);
      const body = JSON.stringify(stsRequest(upload, 42));
      const post = (payload: string) =>
        cluster.request('/v1/jobs', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': 'order-7f3a' },
          body: payload,
        });
      const responses = await Promise.all(Array.from({ length: 10 }, () => post(body)));
      const views = await Promise.all(
        responses.map(async (r) => ({
          status: r.status,
          body: (await r.json()) as { id: string },
        })),
      );
      expect(views.map((v) => v.status)).toEqual(views.map(() => 202));
      const ids = new Set(views.map((v) => v.body.id));
      expect(ids.size).toBe(1);
      const [id] = [...ids] as [string];
      const replays = responses.filter((r) => r.headers.get('idempotent-replayed') === 'true');
      expect(replays).toHaveLength(9);

      const other = await post(JSON.stringify(stsRequest(upload, 43)));
      expect(other.status).toBe(409);
      expect(((await other.json()) as { error: { code: string } }).error.code).toBe(
        'idempotency_key_reused',
      );

      await cluster.waitFinished([id], 30_000);
      const again = await post(body);
      // The replay answers the job as it is now: finished, so 200 (202 while it is unfinished).
      expect(again.status).toBe(200);
      expect(((await again.json()) as { id: string; status: string }).id).toBe(id);

      const recorded = await cluster.client.zrange(cluster.keys.ownerJobs('local'), 0, -1);
      expect(recorded).toEqual([id]);
      expect(totalRequests(cluster)).toBe(1);
      const figures = await checkInvariants(cluster, { jobIds: [id], limit: 4 });
      report('F10', {
        ...figures,
        concurrent_duplicates: 10,
        jobs_created: recorded.length,
        conflicting_body_status: other.status,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
    }
  });
});
