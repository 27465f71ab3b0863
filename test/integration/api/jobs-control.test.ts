import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueName, type QueuePayload } from '../../../src/shared/queue/queues.ts';
import { duplicateRedis } from '../../../src/shared/redis/connections.ts';
import { waitUntil } from '../../support/eventually.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

/**
 * A real BullMQ worker on the speech queue, standing in for ours: it takes the next job and
 * runs `process` on it. Closed (with its connection) by the returned function.
 */
async function withWorker(
  api: ApiHarness,
  process: (job: Job<QueuePayload>) => Promise<void>,
  body: () => Promise<void>,
): Promise<void> {
  const connection = duplicateRedis(api.deps.redis, {
    connectionName: 'jobs-control-worker',
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
  });
  const worker = new Worker<QueuePayload>(queueName('speech'), process, {
    connection,
    prefix: api.prefix,
  });
  try {
    await worker.waitUntilReady();
    await body();
  } finally {
    await worker.close(true);
    connection.disconnect();
  }
}

describe('POST /v1/jobs/{id}/cancel and /retry', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api.close();
  });

  it('cancels a queued job at once and removes its BullMQ entry; a second cancel is 409', async () => {
    const job = await api.createJob();
    const first = await api.call({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      id: job.id,
      status: 'canceled',
      finished_at: expect.any(String) as unknown,
    });
    expect(await api.queues.speech.getJob(job.id)).toBeUndefined();
    const second = await api.call({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ error: { code: 'job_finished' } });
  });

  it('asks the worker of a running job to abort it: cancel_requested and a broadcast', async () => {
    const job = await api.createJob();
    await api.deps.jobs.patch(job.id, { status: 'running', started_at: new Date().toISOString() });
    const listener = duplicateRedis(api.deps.redis, {
      connectionName: 'jobs-control-listener',
      enableOfflineQueue: true,
    });
    try {
      const heard = new Promise<string>((resolve) =>
        listener.on('message', (_channel, id: string) => resolve(id)),
      );
      await listener.subscribe(api.deps.keys.cancelChannel);
      const response = await api.call({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
      expect(response.statusCode).toBe(202);
      expect(response.json()).toMatchObject({ status: 'running' });
      expect(await heard).toBe(job.id);
      expect((await api.deps.jobs.get(job.id))?.cancel_requested).toBe(true);
    } finally {
      listener.disconnect();
    }
  });

  it('404s an unknown job', async () => {
    for (const action of ['cancel', 'retry']) {
      const response = await api.call({
        method: 'POST',
        url: `/v1/jobs/job_01jabcdefghjkmnpqrstvwxyz0/${action}`,
      });
      expect(response.statusCode).toBe(404);
    }
  });

  it('re-queues a canceled job with the same seed and request, and a new BullMQ entry', async () => {
    const job = await api.createJob();
    await api.call({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
    const response = await api.call({ method: 'POST', url: `/v1/jobs/${job.id}/retry` });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      id: job.id,
      status: 'queued',
      seed: job.seed,
      fingerprint: job.fingerprint,
      request: job.request,
      finished_at: null,
      error: null,
    });
    expect((await api.queues.speech.getJob(job.id))?.data).toEqual({});
    expect((await api.deps.jobs.get(job.id))?.cancel_requested).toBe(false);
  });

  it('re-queues a failed job, clearing error and outputs but keeping attempts', async () => {
    const job = await api.createJob();
    // A worker fails it for good: its BullMQ entry stays in the failed set, under our id.
    const entry = () => api.queues.speech.getJob(job.id);
    await withWorker(
      api,
      () => Promise.reject(new UnrecoverableError('upstream 422')),
      () =>
        waitUntil(
          'the worker failed the job',
          async () => (await (await entry())?.getState()) === 'failed',
        ),
    );
    expect(await (await entry())?.getState()).toBe('failed');
    await api.finishJob(job.id, {
      status: 'failed',
      attempts: 3,
      finished_at: new Date().toISOString(),
      outputs: [
        {
          name: 'audio',
          content_type: 'audio/mpeg',
          bytes: 1,
          sha256: 'x',
          duration_ms: null,
          key: 'k',
        },
      ],
      error: {
        code: 'upstream_error',
        message: 'x',
        retryable: true,
        upstream_status: 500,
        upstream_code: null,
        suggestion: null,
      },
    });
    const response = await api.call({ method: 'POST', url: `/v1/jobs/${job.id}/retry` });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      status: 'queued',
      attempts: 3,
      error: null,
      outputs: [],
      seed: job.seed,
    });
    // Queued again with a fair-share priority of its owner's: waiting in BullMQ's prioritized set.
    const requeued = await api.queues.speech.getJob(job.id);
    expect(await requeued?.getState()).toBe('prioritized');
    expect(requeued?.priority).toBeGreaterThan(0);
  });

  it('cancels a queued job a worker has just taken, and will not retry it while held', async () => {
    // The worker must take this job, not one an earlier test left waiting.
    await api.queues.speech.drain();
    const job = await api.createJob();
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken = false;
    await withWorker(
      api,
      async (entry) => {
        taken = entry.id === job.id;
        await held;
      },
      async () => {
        await waitUntil('the worker took the job', () => taken);
        // The record still says queued (the worker has not claimed a run), BullMQ says active:
        // the cancel is a finish at once, and the worker's claim would find the job finished.
        const cancel = await api.call({ method: 'POST', url: `/v1/jobs/${job.id}/cancel` });
        expect(cancel.statusCode).toBe(200);
        expect(cancel.json()).toMatchObject({ status: 'canceled' });
        // The worker has not let go of the BullMQ entry yet.
        const retry = await api.call({ method: 'POST', url: `/v1/jobs/${job.id}/retry` });
        expect(retry.statusCode).toBe(409);
        expect(retry.json()).toMatchObject({ error: { code: 'job_busy' } });
        release();
      },
    );
  });

  it('refuses to retry a queued or succeeded job (409)', async () => {
    const job = await api.createJob();
    const queued = await api.call({ method: 'POST', url: `/v1/jobs/${job.id}/retry` });
    expect(queued.statusCode).toBe(409);
    await api.finishJob(job.id, { status: 'succeeded' });
    const succeeded = await api.call({ method: 'POST', url: `/v1/jobs/${job.id}/retry` });
    expect(succeeded.statusCode).toBe(409);
    expect(succeeded.json()).toMatchObject({ error: { code: 'job_not_retryable' } });
  });
});
