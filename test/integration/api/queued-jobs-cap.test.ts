import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

/** MAX_QUEUED_JOBS_PER_TENANT: a tenant's queued jobs, kept in Redis as jobs move. */

const ALPHA = 'alpha-cap-key-6a1f9d3c7e';
const BETA = 'beta-cap-key-2e8b4f0a6d';

describe('queued jobs cap per tenant', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness({
      apiKeys: [`alpha:${ALPHA}`, `beta:${BETA}`],
      env: { MAX_QUEUED_JOBS_PER_TENANT: '3' },
    });
  });
  afterAll(async () => {
    await api.close();
  });

  const queuedIds = () => api.deps.redis.smembers(api.deps.keys.tenantQueued('alpha'));

  async function submitJob(key: string) {
    const uploadId = await api.upload(undefined, key);
    return api.call({
      method: 'POST',
      url: '/v1/jobs',
      key,
      payload: {
        type: 'speech_to_speech',
        params: { voice_id: 'v' },
        input: { upload_id: uploadId },
      },
    });
  }

  it('refuses the job past the cap with 429 queued_jobs_limit, other tenants unaffected', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await submitJob(ALPHA);
      expect(response.statusCode).toBe(202);
      ids.push(response.json<{ id: string }>().id);
    }
    expect((await queuedIds()).sort()).toEqual([...ids].sort());
    const before = await api.queueCounts();
    const refused = await submitJob(ALPHA);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: { code: 'queued_jobs_limit' } });
    expect(refused.json<{ error: { message: string } }>().error.message).toMatch(/3 jobs queued/);
    expect(await api.queueCounts()).toEqual(before);
    expect((await submitJob(BETA)).statusCode).toBe(202);

    // A job leaving `queued` frees its place at once (cancel moves it through the CAS).
    const cancel = await api.call({ method: 'POST', url: `/v1/jobs/${ids[0]}/cancel`, key: ALPHA });
    expect(cancel.statusCode).toBe(200);
    expect(await queuedIds()).not.toContain(ids[0]);
    expect((await submitJob(ALPHA)).statusCode).toBe(202);
  });

  it('admits a batch whole or refuses it, storing nothing', async () => {
    const uploadId = await api.upload(undefined, BETA);
    const item = {
      type: 'speech_to_speech',
      params: { voice_id: 'v' },
      input: { upload_id: uploadId },
    };
    const fits = await api.call({
      method: 'POST',
      url: '/v1/batches',
      key: BETA,
      payload: { items: [item, item] },
    });
    expect(fits.statusCode).toBe(202);
    const keysBefore = await api.deps.redis.keys(`${api.prefix}:*`);
    const over = await api.call({
      method: 'POST',
      url: '/v1/batches',
      key: BETA,
      payload: { items: [item, item] },
    });
    expect(over.statusCode).toBe(429);
    expect(over.json()).toMatchObject({ error: { code: 'queued_jobs_limit' } });
    const keysAfter = await api.deps.redis.keys(`${api.prefix}:*`);
    // Only the limiter's counter and the sweep's marker may appear.
    expect(
      keysAfter.filter((key) => !keysBefore.includes(key) && !/ratelimit|swept/.test(key)),
    ).toEqual([]);
    expect(await api.deps.redis.scard(api.deps.keys.tenantQueued('beta'))).toBe(3);
  });

  it('sweeps ids left behind (a killed intake, a status written outside the CAS) before refusing', async () => {
    // alpha is at its cap again; make one of its places stale in both ways.
    const ids = await queuedIds();
    expect(ids.length).toBe(3);
    await api.deps.jobs.patch(ids[0] as string, { status: 'failed' });
    await api.deps.redis.sadd(
      api.deps.keys.tenantQueued('alpha'),
      'job_00000000000000000000000000',
    );
    await api.deps.redis.sadd(
      api.deps.keys.tenantQueued('alpha'),
      'job_00000000000000000000000001',
    );
    // The refusal in the first test swept alpha's set; sweeps are throttled, so let this one run.
    await api.deps.redis.del(api.deps.keys.tenantSweep('alpha'));
    const response = await submitJob(ALPHA);
    expect(response.statusCode, response.body).toBe(202);
    const after = await queuedIds();
    expect(after).not.toContain(ids[0]);
    expect(after).not.toContain('job_00000000000000000000000000');
    expect(after).toContain(response.json<{ id: string }>().id);
  });
});
