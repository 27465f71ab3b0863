import { describe, expect, it } from 'vitest';
import type { BatchView } from '../../src/shared/batches/batch-record.ts';
import { startCluster } from './support/cluster.ts';
import { checkInvariants } from './support/invariants.ts';
import { INPUT, report, stsRequest } from './support/scenario.ts';
import type { WorkerProcess } from './support/service-process.ts';

const REQUEST_MS = 90_000;

/**
 * A request to one of the api processes, by URL. Bounded (the longest is a 60 s `?wait=`), so
 * an answer that never comes fails naming the route instead of running into the test timeout.
 */
async function call(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(REQUEST_MS) });
  } catch (error) {
    throw new Error(`${init.method ?? 'GET'} ${path}: ${String(error)}`);
  }
}

async function json<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function postBatch(base: string, uploadId: string, count: number, firstSeed: number) {
  const items = Array.from({ length: count }, (_, i) => stsRequest(uploadId, firstSeed + i));
  const response = await call(base, '/v1/batches', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items }),
  });
  return (await json<{ id: string }>(response, 202)).id;
}

/** The batch's job ids, paged through `GET /v1/batches/{id}/jobs`. */
async function batchJobIds(base: string, batchId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page: { data: { id: string }[]; next_cursor: string | null } = await json(
      await call(base, `/v1/batches/${batchId}/jobs?limit=100${query}`),
      200,
    );
    ids.push(...page.data.map((job) => job.id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

function started(worker: WorkerProcess): boolean {
  return worker.lines.some((line) => line.msg === 'job started');
}

async function batchStatus(base: string, batchId: string): Promise<BatchView> {
  return json<BatchView>(await call(base, `/v1/batches/${batchId}`), 200);
}

/**
 * Issue 10: the service on a Redis Cluster. Three masters, two api and two worker processes:
 * every Lua script, MULTI and BullMQ call of the intake, the workers, the slot pool, cancel
 * broadcasts, idempotency and the rate limiter runs against the cluster. One batch runs
 * through a worker's SIGKILL, one is canceled mid-call; then every job must have ended as it
 * should (the fault suite's invariants), and every key of the deployment must sit on the one
 * master serving its hash tag.
 */
describe('Redis Cluster', () => {
  it('2 api and 2 worker processes on 3 masters: a batch through a worker kill, a cancel, idempotency', async () => {
    const begun = Date.now();
    const cluster = await startCluster({
      label: 'f17-redis-cluster',
      workers: 2,
      redis: 'cluster',
      simulator: { latencyMs: 500 },
    });
    try {
      expect(cluster.config.QUEUE_PREFIX).toMatch(/^\{.+\}$/);
      const [api1, api2] = await Promise.all([cluster.addApi('api-1'), cluster.addApi('api-2')]);
      const upload = await json<{ id: string }>(
        await call(api1.url, '/v1/uploads', {
          method: 'POST',
          headers: { 'content-type': 'audio/wav' },
          body: INPUT,
        }),
        201,
      );

      // A batch written by one api, read by the other, run through a worker's SIGKILL.
      const batchA = await postBatch(api1.url, upload.id, 12, 1);
      const idsA = await batchJobIds(api2.url, batchA);
      expect(idsA).toHaveLength(12);
      const victim = cluster.workers[0]!;
      await cluster.waitUntil('the victim holds a job', () => started(victim), 60_000);
      victim.kill('SIGKILL');
      await victim.exited;
      const recordsA = await cluster.waitFinished(idsA, 120_000);
      expect(recordsA.map((record) => record.status)).toEqual(idsA.map(() => 'succeeded'));
      await cluster.waitUntil(
        'batch A completed',
        async () => (await batchStatus(api1.url, batchA)).status === 'completed',
        30_000,
      );

      // The same Idempotency-Key through both apis: one job; ?wait= answers when it finishes.
      const submitOnce = (base: string) =>
        call(base, '/v1/jobs', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': 'cluster-once' },
          body: JSON.stringify(stsRequest(upload.id, 500)),
        });
      const first = await json<{ id: string }>(await submitOnce(api1.url), 202);
      const again = await submitOnce(api2.url);
      expect([200, 202]).toContain(again.status);
      expect(((await again.json()) as { id: string }).id).toBe(first.id);
      const waited = await json<{ status: string }>(
        await call(api2.url, `/v1/jobs/${first.id}?wait=60`),
        200,
      );
      expect(waited.status).toBe('succeeded');

      // A batch canceled through the other api while its calls are in flight.
      cluster.simulator.configure({ latencyMs: 60_000 });
      const batchB = await postBatch(api2.url, upload.id, 6, 100);
      const idsB = await batchJobIds(api1.url, batchB);
      await cluster.waitUntil(
        'batch B has calls in flight',
        () => cluster.simulator.counters().in_flight > 0,
        60_000,
      );
      const canceled = await call(api1.url, `/v1/batches/${batchB}/cancel`, { method: 'POST' });
      expect(canceled.status).toBe(200);
      const recordsB = await cluster.waitFinished(idsB, 60_000);
      expect(recordsB.map((record) => record.status)).toEqual(idsB.map(() => 'canceled'));
      await cluster.waitUntil(
        'the canceled calls were aborted',
        () => cluster.simulator.counters().in_flight === 0,
        30_000,
      );

      const figures = await checkInvariants(cluster, {
        jobIds: [...idsA, first.id, ...idsB],
        limit: 4,
        expectedStatus: (id) => (idsB.includes(id) ? 'canceled' : 'succeeded'),
      });

      // Every key of the deployment on one master: the one serving the prefix's hash tag.
      const redisCluster = cluster.redisCluster!;
      const perNode = await redisCluster.keysPerNode(`${cluster.config.QUEUE_PREFIX}:*`);
      const home = redisCluster.nodes.indexOf(cluster.redis);
      expect(perNode[home]!.length).toBeGreaterThan(0);
      perNode.forEach((keys, index) => {
        if (index !== home) expect(keys, `keys on node ${index + 1}`).toEqual([]);
      });

      // Deletion's transactions and the retention scheduler on the cluster: nothing of the
      // deleted job and batch is left on any node.
      for (const path of [`/v1/jobs/${first.id}`, `/v1/batches/${batchB}`]) {
        expect((await call(api2.url, path, { method: 'DELETE' })).status).toBe(204);
        expect((await call(api1.url, path)).status).toBe(404);
      }
      const deleted = [first.id, batchB, ...idsB];
      const left = (await redisCluster.keysPerNode(`${cluster.config.QUEUE_PREFIX}:*`))
        .flat()
        .filter((key) => deleted.some((id) => key.includes(id)));
      expect(left).toEqual([]);
      report('F17', { ...figures, masters: 3, seconds: (Date.now() - begun) / 1000 });
    } finally {
      await cluster.stop();
    }
    // Above the sum of the named deadlines inside, so a step that never ends fails by its
    // name rather than by this timeout.
  }, 900_000);
});
