import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/eventually.ts';
import type { Job } from './e2e-helpers.ts';
import { startTestService, type TestService } from './service-harness.ts';

/**
 * The result cache is per tenant: another tenant's identical request calls the upstream; the
 * same tenant's repeat (or a tenant of the same configured cache group) is a hit.
 */

const ALPHA = 'alpha-cache-key-3b8d1f0e6c';
const BETA = 'beta-cache-key-9a2e7c4d1f';
const GAMMA = 'gamma-cache-key-5f1c8b3a0e';
const MUSIC = {
  type: 'music',
  params: { prompt: 'calm piano, tenant cache check', music_length_ms: 3_000 },
};

describe('tenant-scoped result cache', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({
      storage: 'file',
      apiKeys: [`alpha:${ALPHA}`, `beta:${BETA}`, `gamma:${GAMMA}`],
      env: { CACHE_GROUPS: 'studio:alpha+gamma' },
    });
  });
  afterAll(async () => {
    await service?.stop();
  });

  /** Submits MUSIC as `key`; a hit is answered at intake (200), anything else queued (202). */
  async function run(key: string, expected: 200 | 202 = 202): Promise<Job> {
    const created = await service.json<Job>('/v1/jobs', {
      method: 'POST',
      key,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(MUSIC),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(expected);
    for (let i = 0; i < 30; i++) {
      const { body } = await service.json<Job>(`/v1/jobs/${created.body.id}?wait=10`, { key });
      if (['succeeded', 'failed', 'canceled'].includes(body.status)) return body;
    }
    throw new Error(`job ${created.body.id} did not finish`);
  }

  const upstreamCalls = () => service.simulator.counters().requests['POST /v1/music'] ?? 0;

  it("calls the upstream for beta's identical request; alpha's repeat and its group are hits", async () => {
    const first = await run(ALPHA);
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect(first.cache).toBe('miss');
    const root = new URL(service.config.STORAGE_URL).pathname;
    const hex = (first.fingerprint ?? '').replace('sha256:', '');
    await waitUntil('the cache pointer is written', () =>
      stat(`${root}/cache/group.studio/${hex}.json`).then(
        () => true,
        () => false,
      ),
    );
    const afterFirst = upstreamCalls();

    const repeat = await run(ALPHA, 200);
    expect(repeat.cache).toBe('hit');
    expect(repeat.upstream?.calls).toBe(0);
    expect(upstreamCalls()).toBe(afterFirst);

    const grouped = await run(GAMMA, 200);
    expect(grouped.cache).toBe('hit');
    expect(upstreamCalls()).toBe(afterFirst);

    const other = await run(BETA);
    expect(other.status, JSON.stringify(other.error)).toBe('succeeded');
    expect(other.fingerprint).toBe(first.fingerprint);
    expect(other.cache).toBe('miss');
    expect(other.upstream?.calls).toBe(1);
    expect(upstreamCalls()).toBe(afterFirst + 1);
  });
});
