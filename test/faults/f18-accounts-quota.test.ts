import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.ts';
import { ADMIN_KEY, startCluster, type Cluster } from './support/cluster.ts';
import { checkInvariants } from './support/invariants.ts';
import { OUTPUT_FORMAT, report, VOICE } from './support/scenario.ts';

const ALPHA = 'alpha-f18-key-7d2c9e4a1b';
const BETA = 'beta-f18-key-3e8b1f6c0d';
const ACCOUNT_B_KEY = 'sim-f18-account-b-key';
const LIMIT_A = 3;
const LIMIT_B = 2;
/** Every dialogue text is 9 characters: the simulator bills 9 credits per job. */
const COST = 9;
const B_JOBS_PAID = 3;

type AdminQueue = {
  account: string;
  class: string;
  paused: boolean;
  paused_reason: { code: string } | null;
  counts: Record<'waiting' | 'active' | 'delayed' | 'failed', number>;
};

function dialogue(n: number): object {
  return {
    type: 'text_to_dialogue',
    params: {
      inputs: [{ text: `Line ${String(n).padStart(3, '0')}.`, voice_id: VOICE }],
      output_format: OUTPUT_FORMAT,
    },
  };
}

async function adminQueues(cluster: Cluster): Promise<AdminQueue[]> {
  const response = await cluster.request('/v1/admin/queues', {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  return ((await response.json()) as { data: AdminQueue[] }).data;
}

describe('F18: two upstream accounts, one out of quota, a worker killed with SIGKILL', () => {
  it("pauses only b's queue; alpha's jobs all succeed on account a; beta's wait, then finish", async () => {
    const started = Date.now();
    const accountB = await startSimulator({
      apiKey: ACCOUNT_B_KEY,
      latencyMs: 300,
      concurrency: { speech: 100, music: 100 },
      credits: COST * B_JOBS_PAID,
    });
    const cluster = await startCluster({
      label: 'f18',
      workers: 2,
      storage: 'file',
      simulator: { latencyMs: 300 },
      env: {
        API_KEYS: `alpha:${ALPHA},beta:${BETA}`,
        UPSTREAM_CONCURRENCY: String(LIMIT_A),
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
    try {
      const alphaIds: string[] = [];
      const betaIds: string[] = [];
      for (let n = 0; n < 10; n++) {
        alphaIds.push(await cluster.submit(dialogue(n), { authorization: `Bearer ${ALPHA}` }));
        if (n < 8)
          betaIds.push(
            await cluster.submit(dialogue(100 + n), { authorization: `Bearer ${BETA}` }),
          );
      }
      // Mid-run and mid-call: the victim holds calls of both accounts' queues when it dies.
      const victim = cluster.workers[0]!;
      await cluster.waitUntil(
        'both accounts busy',
        () => cluster.simulator.counters().in_flight > 0 && accountB.counters().in_flight > 0,
        30_000,
      );
      victim.kill('SIGKILL');
      await victim.exited;

      const isPausedB = async () =>
        (await adminQueues(cluster)).some((q) => q.account === 'b' && q.paused);
      await cluster.waitUntil("account b's queue paused", isPausedB, 30_000);
      const alphaJobs = await cluster.waitFinished(alphaIds, 60_000);
      expect(alphaJobs.map((job) => job.status)).toEqual(alphaIds.map(() => 'succeeded'));
      // Beta's unpaid jobs wait in b's queue; none failed, none ran on account a. A job the
      // killed worker held goes back to b's queue by BullMQ's stall check, but its record
      // reads `running` until a worker takes it again, which b's pause defers until the resume.
      const betaStatuses = async () =>
        (await Promise.all(betaIds.map((id) => cluster.jobs.get(id)))).map((r) => r?.status);
      const waitingOrDone = new Set(['succeeded', 'queued', 'running']);
      await cluster.waitUntil(
        "beta's jobs succeeded or back in the queue",
        async () => (await betaStatuses()).every((s) => s !== undefined && waitingOrDone.has(s)),
        30_000,
      );
      const waitingBeta = (await betaStatuses()).filter((s) => s !== 'succeeded').length;
      expect(waitingBeta).toBeGreaterThan(0);
      const queues = await adminQueues(cluster);
      expect(queues.filter((q) => q.paused).map((q) => [q.account, q.class])).toEqual([
        ['b', 'speech'],
      ]);
      expect(queues.find((q) => q.account === 'b' && q.class === 'speech')?.paused_reason).toEqual(
        expect.objectContaining({ code: 'quota_exceeded' }),
      );
      const readiness = (await (await cluster.request('/readyz')).json()) as {
        paused_classes: string[];
        paused_queues: { account: string; class: string }[];
      };
      expect(readiness.paused_classes).toEqual([]);
      expect(readiness.paused_queues).toEqual([{ account: 'b', class: 'speech' }]);

      // Account b is topped up; an operator resumes its queue.
      accountB.configure({ credits: null });
      const resumed = await cluster.request('/v1/admin/queues/speech/resume?account=b', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(resumed.status).toBe(200);
      await cluster.waitFinished(betaIds, 60_000);

      // The invariants check the default account's queues; b's must be as empty.
      await cluster.waitUntil(
        "account b's queues empty",
        async () =>
          (await adminQueues(cluster))
            .filter((q) => q.account === 'b')
            .every((q) => q.counts.waiting + q.counts.active + q.counts.delayed === 0),
        20_000,
      );
      const figures = await checkInvariants(cluster, {
        jobIds: [...alphaIds, ...betaIds],
        limit: LIMIT_A,
      });
      // Account a never refused a call (its key, no quota); b held its own limit.
      const a = cluster.simulator.counters();
      const b = accountB.counters();
      expect(a.responses['401'] ?? 0).toBe(0);
      expect(b.max_in_flight_by_class.speech).toBeLessThanOrEqual(LIMIT_B);
      expect(b.rejected_concurrency).toBe(0);
      // b's calls: one per beta run at most, so none of alpha's went there.
      expect(b.requests['POST /v1/text-to-dialogue'] ?? 0).toBeGreaterThanOrEqual(betaIds.length);
      expect(b.billed_responses).toBeGreaterThanOrEqual(betaIds.length);
      for (const worker of cluster.workers)
        for (const line of worker.lines) expect(JSON.stringify(line)).not.toContain(ACCOUNT_B_KEY);
      report('F18', {
        ...figures,
        account_a: { requests: a.requests, max_in_flight: a.max_in_flight_by_class.speech },
        account_b: {
          requests: b.requests,
          quota_refusals: b.responses['401'] ?? 0,
          max_in_flight: b.max_in_flight_by_class.speech,
        },
        beta_waiting_while_paused: waitingBeta,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
      await accountB.close();
    }
  });
});
