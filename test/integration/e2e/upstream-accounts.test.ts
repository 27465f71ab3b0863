import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { waitUntil } from '../../support/eventually.ts';
import type { Job } from './e2e-helpers.ts';
import {
  SIMULATOR_KEY,
  serviceQueue,
  startTestService,
  type TestService,
} from './service-harness.ts';

/**
 * Two upstream accounts, each a simulator of its own that accepts only its own key: alpha uses
 * the default account (ELEVENLABS_API_KEY), beta its own (UPSTREAM_ACCOUNTS). Each account's
 * calls carry its key and stay within its limit; beta's quota_exceeded pauses beta's queue
 * only, while alpha's jobs keep succeeding.
 */

const ALPHA = 'alpha-accounts-key-4c7e9a1b2d';
const BETA = 'beta-accounts-key-8f3d6b0c5e';
const ACCOUNT_B_KEY = 'sim-account-b-key-61f0c2';
const ADMIN = 'admin-accounts-0123456789';
const LIMIT_A = 3;
const LIMIT_B = 2;
const DIALOGUE = '/v1/text-to-dialogue';

describe('several upstream accounts', () => {
  let service: TestService;
  let accountB: RunningSimulator;
  beforeAll(async () => {
    // The simulators observe: their own limits are far above ours, so only ours can hold calls.
    accountB = await startSimulator({
      apiKey: ACCOUNT_B_KEY,
      latencyMs: 300,
      concurrency: { speech: 50, music: 50 },
    });
    service = await startTestService({
      storage: 'file',
      apiKeys: [`alpha:${ALPHA}`, `beta:${BETA}`],
      env: {
        ADMIN_API_KEY: ADMIN,
        UPSTREAM_CONCURRENCY: String(LIMIT_A),
        WORKER_CONCURRENCY: '10',
        UPSTREAM_ACCOUNTS: JSON.stringify([
          {
            name: 'b',
            api_key: ACCOUNT_B_KEY,
            tenants: ['beta'],
            speech_concurrency: LIMIT_B,
            base_url: accountB.url,
          },
        ]),
      },
    });
    service.simulator.configure({ latencyMs: 300, concurrency: { speech: 50, music: 50 } });
  });
  afterAll(async () => {
    await service?.stop();
    await accountB?.close();
  });

  let line = 0;
  async function submit(key: string): Promise<string> {
    // A text of its own per job: no job is answered from the cache.
    const request = {
      type: 'text_to_dialogue',
      params: { inputs: [{ text: `Line number ${++line}.`, voice_id: 'JBFqnCBsd6RMkjVDRZzb' }] },
    };
    const { status, body } = await service.json<Job>('/v1/jobs', {
      method: 'POST',
      key,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    expect(status, JSON.stringify(body)).toBe(202);
    return body.id;
  }

  async function finished(key: string, ids: string[]): Promise<Job[]> {
    const jobs: Job[] = [];
    for (const id of ids) {
      for (let i = 0; ; i++) {
        const { body } = await service.json<Job>(`/v1/jobs/${id}?wait=10`, { key });
        if (['succeeded', 'failed', 'canceled'].includes(body.status)) {
          jobs.push(body);
          break;
        }
        if (i > 12) throw new Error(`job ${id} did not finish: ${body.status}`);
      }
    }
    return jobs;
  }

  const statusOf = async (key: string, id: string) =>
    (await service.json<Job>(`/v1/jobs/${id}`, { key })).body.status;
  const admin = (path: string, method = 'GET') =>
    service.json<Record<string, unknown>>(path, { method, key: ADMIN });

  it("runs each tenant's jobs on its account: its key, within its limit", async () => {
    const alphaIds = await Promise.all(Array.from({ length: 9 }, () => submit(ALPHA)));
    const betaIds = await Promise.all(Array.from({ length: 8 }, () => submit(BETA)));
    const jobs = [...(await finished(ALPHA, alphaIds)), ...(await finished(BETA, betaIds))];
    expect(jobs.map((job) => [job.status, job.error?.code])).toEqual(
      jobs.map(() => ['succeeded', undefined]),
    );
    // Each simulator refuses any other key with 401: every call reached the right account.
    const a = service.simulator.counters();
    const b = accountB.counters();
    expect(a.requests[`POST ${DIALOGUE}`]).toBe(alphaIds.length);
    expect(b.requests[`POST ${DIALOGUE}`]).toBe(betaIds.length);
    expect(a.responses['401'] ?? 0).toBe(0);
    expect(b.responses['401'] ?? 0).toBe(0);
    expect(a.max_in_flight_by_class.speech).toBeLessThanOrEqual(LIMIT_A);
    expect(b.max_in_flight_by_class.speech).toBeLessThanOrEqual(LIMIT_B);
    expect(a.max_in_flight_by_class.speech).toBeGreaterThan(0);
  });

  it("pauses only account b on b's quota_exceeded; alpha's jobs keep succeeding", async () => {
    accountB.configure({ credits: 0 });
    const betaIds = await Promise.all(Array.from({ length: 3 }, () => submit(BETA)));
    await waitUntil('account b paused its speech queue', async () => {
      const { body } = await admin('/v1/admin/queues');
      const queues = body.data as { account: string; class: string; paused: boolean }[];
      return queues.some((q) => q.account === 'b' && q.class === 'speech' && q.paused);
    });
    const alphaIds = await Promise.all(Array.from({ length: 4 }, () => submit(ALPHA)));
    const alphaJobs = await finished(ALPHA, alphaIds);
    expect(alphaJobs.map((job) => job.status)).toEqual(alphaIds.map(() => 'succeeded'));
    // Beta's jobs wait queued in b's paused queue: none failed, none ran elsewhere.
    await waitUntil('every beta job is back in the queue', async () =>
      (await Promise.all(betaIds.map((id) => statusOf(BETA, id)))).every((s) => s === 'queued'),
    );

    const ready = await service.json<{
      paused_classes: string[];
      paused_queues: { account: string; class: string }[];
      checks: { accounts: Record<string, { speech: { paused_reason: { code: string } } }> };
    }>('/readyz');
    expect(ready.body.paused_classes).toEqual([]);
    expect(ready.body.paused_queues).toEqual([{ account: 'b', class: 'speech' }]);
    expect(ready.body.checks.accounts.b?.speech.paused_reason.code).toBe('quota_exceeded');
    const metrics = await (await service.request('/metrics')).text();
    expect(metrics).toContain('audiobatch_queue_paused{class="speech",account="b"} 1');
    expect(metrics).toContain('audiobatch_queue_paused{class="speech"} 0');
    expect(metrics).toContain('audiobatch_upstream_in_flight{class="speech",account="b"} 0');

    // A cancel reaches a job waiting in b's queue: it leaves that queue, never to run.
    const canceled = await submit(BETA);
    const cancel = await service.json<Job>(`/v1/jobs/${canceled}/cancel`, {
      method: 'POST',
      key: BETA,
    });
    expect(cancel.body.status).toBe('canceled');
    const queueB = serviceQueue(service.config, 'speech', 'b');
    try {
      expect(await queueB.getJob(canceled)).toBeUndefined();
      expect(await queueB.getJob(betaIds[0]!)).toBeDefined();
    } finally {
      await queueB.close();
    }

    // Account b is topped up; an operator resumes b's queue, and beta's jobs run.
    accountB.configure({ credits: null });
    expect((await admin('/v1/admin/queues/speech/resume?account=zz', 'POST')).status).toBe(404);
    const resumed = await admin('/v1/admin/queues/speech/resume?account=b', 'POST');
    expect(resumed.body).toMatchObject({ account: 'b', class: 'speech', paused: false });
    const betaJobs = await finished(BETA, betaIds);
    expect(betaJobs.map((job) => [job.status, job.attempts])).toEqual(
      betaIds.map(() => ['succeeded', 1]),
    );
    expect(await statusOf(BETA, canceled)).toBe('canceled');
    // The pause was logged, naming the account; no line ever held an account's key.
    expect(service.logs.some((l) => l.includes('"account":"b"') && l.includes('PAUSED'))).toBe(
      true,
    );
    for (const secret of [ACCOUNT_B_KEY, SIMULATOR_KEY])
      expect(service.logs.filter((l) => l.includes(secret))).toEqual([]);
  });
});
