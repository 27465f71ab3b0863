import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/eventually.ts';
import { testRedisUrl } from '../../support/test-env.ts';
import type { Job } from './e2e-helpers.ts';
import { startTestService, type TestService } from './service-harness.ts';
import { traces } from './traces.ts';

/**
 * `DELETE /v1/jobs/{id}` removes every trace of the job (Redis keys and index entries, BullMQ's
 * entry, its objects, its cache pointer, its idempotency key): the deployment's keys and objects
 * are what they were before the job existed. A job still queued or running is canceled first.
 */

const ALPHA = 'alpha-delete-key-6c1d9e2f4a';
const BETA = 'beta-delete-key-0b7e3a5c8d';

function music(prompt: string) {
  return { type: 'music', params: { prompt, music_length_ms: 3_000 } };
}

describe.each(['file', 's3'] as const)('DELETE /v1/jobs/{id} (%s storage)', (storageKind) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({
      storage: storageKind,
      apiKeys: [`alpha:${ALPHA}`, `beta:${BETA}`],
    });
  });
  afterAll(async () => {
    await service?.stop();
  });

  const snapshot = () => traces(testRedisUrl(), service.config.QUEUE_PREFIX, service.storage);
  const upstreamCalls = () => service.simulator.counters().requests['POST /v1/music'] ?? 0;

  async function submit(request: object, headers: Record<string, string> = {}): Promise<Job> {
    const created = await service.json<Job>('/v1/jobs', {
      method: 'POST',
      key: ALPHA,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(request),
    });
    expect([200, 202], JSON.stringify(created.body)).toContain(created.status);
    return created.body;
  }

  async function finished(id: string): Promise<Job> {
    for (let i = 0; i < 30; i++) {
      const { body } = await service.json<Job>(`/v1/jobs/${id}?wait=10`, { key: ALPHA });
      if (['succeeded', 'failed', 'canceled'].includes(body.status)) return body;
    }
    throw new Error(`job ${id} did not finish`);
  }

  const remove = (id: string, key = ALPHA) =>
    service.request(`/v1/jobs/${id}`, { method: 'DELETE', key });

  it('leaves keys and objects as they were before the job; the cache entry goes too', async () => {
    const before = await snapshot();
    const request = music(`delete check ${storageKind}`);
    const job = await finished(
      (await submit(request, { 'idempotency-key': `k-${storageKind}` })).id,
    );
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded');
    const during = await snapshot();
    expect(during.objects.some((key) => key.startsWith('cache/'))).toBe(true);
    expect(during.objects.some((key) => key.startsWith(`jobs/${job.id}/runs/`))).toBe(true);

    expect((await remove(job.id, BETA)).status).toBe(404);
    const deleted = await remove(job.id);
    expect(deleted.status).toBe(204);
    expect((await service.request(`/v1/jobs/${job.id}`, { key: ALPHA })).status).toBe(404);
    expect(await snapshot()).toEqual(before);

    // The same request again is generated again; the same idempotency key makes a new job.
    const calls = upstreamCalls();
    const again = await finished(
      (await submit(request, { 'idempotency-key': `k-${storageKind}` })).id,
    );
    expect(again.id).not.toBe(job.id);
    expect(again.cache).toBe('miss');
    expect(upstreamCalls()).toBe(calls + 1);
    expect((await remove(again.id)).status).toBe(204);
    expect(await snapshot()).toEqual(before);
  });

  it('cancels a running job first, then deletes it', async () => {
    const before = await snapshot();
    service.simulator.configure({ latencyMs: 60_000 });
    try {
      const job = await submit(music(`delete running ${storageKind}`));
      await waitUntil('the job runs', async () => {
        const { body } = await service.json<Job>(`/v1/jobs/${job.id}`, { key: ALPHA });
        return body.status === 'running';
      });
      expect((await remove(job.id)).status).toBe(204);
      expect((await service.request(`/v1/jobs/${job.id}`, { key: ALPHA })).status).toBe(404);
      // The aborted call's account slot is handed back by its worker just after the finish.
      await waitUntil('the account slot is released', async () => {
        const after = await snapshot();
        return JSON.stringify(after) === JSON.stringify(before);
      });
    } finally {
      service.simulator.configure({ latencyMs: 0 });
    }
  });
});
