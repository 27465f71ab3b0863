import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobJsonKey } from '../../../src/shared/lifecycle/job-objects.ts';
import { createQueues, closeQueues, type ClassQueues } from '../../../src/shared/queue/queues.ts';
import { createRedis, type Redis } from '../../../src/shared/redis/connections.ts';
import { download, sha256, waitFinished, type Job } from '../e2e/e2e-helpers.ts';
import { startTestService, type TestService } from '../e2e/service-harness.ts';

/**
 * A cache hit is answered by `POST /v1/jobs` itself: 200 with the finished job, its outputs
 * readable at its own URLs, job.json written, the job listed, no upstream call, and no work
 * item left behind (the intake's safety net is removed once the job is finished).
 */

const DIALOGUE = {
  type: 'text_to_dialogue',
  params: {
    inputs: [
      { text: 'Is the cache answering at the door now?', voice_id: 'JBFqnCBsd6RMkjVDRZzb' },
      { text: 'It is: no queue, no worker, no call.', voice_id: 'Aw4FAjKCGjjNkVhN1Xmq' },
    ],
    seed: 4242,
  },
};

describe('a cache hit answered at intake', () => {
  let service: TestService;
  let redis: Redis;
  let queues: ClassQueues;
  beforeAll(async () => {
    service = await startTestService({ storage: 'file' });
    redis = createRedis({ kind: 'single', url: service.config.REDIS_URL ?? '' }, 'intake', 'test');
    queues = createQueues(redis, {
      prefix: service.config.QUEUE_PREFIX,
      attempts: 1,
      backoffMs: 1,
    });
  });
  afterAll(async () => {
    await closeQueues(queues);
    redis?.disconnect();
    await service?.stop();
  });

  const post = (body: object) =>
    service.json<Job>('/v1/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  /** Every upstream call the simulator answered, whatever the endpoint. */
  const upstreamCalls = () =>
    Object.values(service.simulator.counters().requests).reduce((sum, n) => sum + (n ?? 0), 0);

  it('answers a repeated request with an explicit seed 200 succeeded, from the cache', async () => {
    const created = await post(DIALOGUE);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    expect(created.body.status).toBe('queued');
    const first = await waitFinished(service, created.body.id);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect(first.cache).toBe('miss');
    const callsAfterFirst = upstreamCalls();
    expect(callsAfterFirst).toBeGreaterThan(0);

    const repeat = await post(DIALOGUE);
    expect(repeat.status, JSON.stringify(repeat.body)).toBe(200);
    const hit = repeat.body;
    expect(hit.id).not.toBe(first.id);
    expect(hit.status).toBe('succeeded');
    expect(hit.cache).toBe('hit');
    expect(hit.fingerprint).toBe(first.fingerprint);
    expect(hit.seed).toBe(4242);
    expect(hit.upstream?.calls).toBe(0);
    expect(hit.upstream?.endpoint).toBe(first.upstream?.endpoint);
    expect(upstreamCalls()).toBe(callsAfterFirst);

    // The same bytes, under the new job's own URLs.
    expect(hit.outputs.map((o) => [o.name, o.sha256])).toEqual(
      first.outputs.map((o) => [o.name, o.sha256]),
    );
    const bytes = await download(service, hit);
    expect(sha256(bytes)).toBe(sha256(await download(service, first)));

    // Read back: finished, job.json in storage, listed.
    const { body: read } = await service.json<Job>(`/v1/jobs/${hit.id}`);
    expect(read.status).toBe('succeeded');
    expect(read.cache).toBe('hit');
    const stored: unknown = JSON.parse(await text(await service.storage.get(jobJsonKey(hit.id))));
    expect(stored).toMatchObject({ id: hit.id, status: 'succeeded', cache: 'hit' });
    const { body: list } = await service.json<{ data: Job[] }>('/v1/jobs?status=succeeded');
    expect(list.data.map((job) => job.id)).toContain(hit.id);

    // No work item left: the safety net went with the finish.
    expect(await queues.speech.getJob(hit.id)).toBeUndefined();
  });

  it('leaves a hit with no cache hint in Redis to its worker: the intake reads no storage', async () => {
    const request = { ...DIALOGUE, params: { ...DIALOGUE.params, seed: 4343 } };
    const created = await post(request);
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const first = await waitFinished(service, created.body.id);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    const callsAfterFirst = upstreamCalls();
    // The hint gone (lost with Redis, or expired): the storage pointer alone still answers.
    const fingerprint = (first.fingerprint ?? '').replace(/^sha256:/, '');
    const hints = await redis.keys(`${service.config.QUEUE_PREFIX}:cache-hint:*:${fingerprint}`);
    expect(hints).toHaveLength(1);
    expect(await redis.del(...hints)).toBe(1);

    const repeat = await post(request);
    expect(repeat.status, JSON.stringify(repeat.body)).toBe(202);
    expect(repeat.body.status).toBe('queued');
    const done = await waitFinished(service, repeat.body.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.cache).toBe('hit');
    expect(upstreamCalls()).toBe(callsAfterFirst);
  });

  it('queues a request that asks to bypass the cache, as before', async () => {
    const created = await post({ ...DIALOGUE, cache: 'bypass' });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const done = await waitFinished(service, created.body.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.cache).toBe('miss');
  });
});
