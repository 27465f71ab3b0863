import { describe, expect, it } from 'vitest';
import type { BatchView } from '../../src/shared/batches/batch-record.ts';
import { startCluster, type Cluster } from './support/cluster.ts';
import { report, VOICE } from './support/scenario.ts';
import type { ApiProcess } from './support/service-process.ts';

/** Twelve chunks of the intake's 250 records: room to die between any two steps. */
const ITEMS = 3_000;

function batchBody(): object {
  return {
    items: Array.from({ length: ITEMS }, (_, i) => ({
      custom_id: `line-${i}`,
      type: 'text_to_dialogue',
      params: { inputs: [{ text: `Line ${i}.`, voice_id: VOICE }], output_format: 'pcm_16000' },
    })),
  };
}

/**
 * Sends the batch to `api`; true when the process died before answering, else its answer
 * (status and the start of the body), so a failed expectation says what happened instead.
 */
async function postUntilDeath(api: ApiProcess): Promise<true | string> {
  try {
    const response = await fetch(`${api.url}/v1/batches`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batchBody()),
    });
    return `${response.status} ${(await response.text()).slice(0, 500)}`;
  } catch {
    await api.exited;
    return true;
  }
}

async function keysOf(cluster: Cluster, pattern: string): Promise<string[]> {
  return cluster.client.keys(`${cluster.config.QUEUE_PREFIX}:${pattern}`);
}

/**
 * I3 after an interrupted intake: the batch is either invisible and left nothing (no batch
 * key, no job record, no work item), or visible and ends: canceling it reaches a terminal
 * status, with every item counted. Returns which it was.
 */
async function checkIntakeOutcome(cluster: Cluster): Promise<'invisible' | 'recovered'> {
  // Recovery runs in every process (the restarted api, the cluster's own intake) once the
  // dead writer's lease has expired.
  await cluster.waitUntil(
    'the interrupted intake is rolled back or forward',
    async () => (await cluster.client.zcard(`${cluster.config.QUEUE_PREFIX}:intakes`)) === 0,
    30_000,
  );
  const records = (await keysOf(cluster, 'batch:bat_*')).filter((k) =>
    /:bat_[0-9a-z]{26}$/.test(k),
  );
  const jobs = await keysOf(cluster, 'job:job_*');
  if (records.length === 0) {
    expect(jobs, 'job records of an invisible batch').toEqual([]);
    expect(await keysOf(cluster, 'batch:*'), 'keys of an invisible batch').toEqual([]);
    const counts = await cluster.queues.speech.getJobCounts(
      'waiting',
      'prioritized',
      'delayed',
      'active',
    );
    expect(counts, 'work items of an invisible batch').toEqual({
      waiting: 0,
      prioritized: 0,
      delayed: 0,
      active: 0,
    });
    return 'invisible';
  }
  expect(records).toHaveLength(1);
  const id = records[0]!.slice(records[0]!.lastIndexOf(':') + 1);
  const shown = await cluster.request(`/v1/batches/${id}`);
  expect(shown.status).toBe(200);
  const batch = (await shown.json()) as BatchView;
  expect(batch.counts.total).toBe(ITEMS);
  expect(jobs).toHaveLength(ITEMS);
  // Every queued job has its work item: nothing waits for a worker that cannot come.
  // (Fair-share priorities put them in `prioritized`; a stalled one would be back in `waiting`.)
  const waiting = await cluster.queues.speech.getJobCounts('waiting', 'prioritized');
  expect((waiting.waiting ?? 0) + (waiting.prioritized ?? 0)).toBe(batch.counts.queued);
  const canceled = await cluster.request(`/v1/batches/${id}/cancel`, { method: 'POST' });
  expect(canceled.status).toBe(200);
  let view: BatchView | undefined;
  await cluster.waitUntil(
    'the canceled batch is terminal',
    async () => {
      view = (await (await cluster.request(`/v1/batches/${id}`)).json()) as BatchView;
      return view.status === 'canceled';
    },
    60_000,
  );
  expect(view!.counts.canceled + view!.counts.succeeded + view!.counts.failed).toBe(ITEMS);
  return 'recovered';
}

/**
 * F14: the api killed with SIGKILL inside a large batch intake (issue 8, seen failure 3: a
 * batch showing 20,000 queued with no jobs, or 3,000 records with nothing in BullMQ behind
 * them, which no cancel could end), then restarted. No worker runs: what is checked is the
 * intake's own consistency, not the jobs.
 */
describe('F14: the api killed inside a batch intake', () => {
  const points = [
    'batch-intake-record',
    'batch-intake-chunk@2',
    'batch-intake-committed',
    'batch-intake-enqueued@2',
  ];
  it.each(points)(
    'killed at %s: invisible and clean, or recovered and cancelable',
    async (point) => {
      const cluster = await startCluster({
        label: `f14-${point}`,
        workers: 0,
        storage: 'file',
        env: { BATCH_INTAKE_LEASE_MS: '2000', INTAKE_RECOVERY_INTERVAL_MS: '500' },
      });
      try {
        const victim = await cluster.addApi('api-victim', { CRASH_POINTS: point });
        expect(await postUntilDeath(victim), 'the api died at its crash point').toBe(true);
        expect((await victim.exited).signal).toBe('SIGKILL');
        await cluster.addApi('api-restarted');
        const outcome = await checkIntakeOutcome(cluster);
        report(`F14-${point}`, { point, items: ITEMS, outcome });
      } finally {
        await cluster.stop();
      }
    },
  );

  it('killed at a moment chosen by the clock: the same holds', async () => {
    const cluster = await startCluster({
      label: 'f14-timed',
      workers: 0,
      storage: 'file',
      env: { BATCH_INTAKE_LEASE_MS: '2000', INTAKE_RECOVERY_INTERVAL_MS: '500' },
    });
    try {
      const victim = await cluster.addApi('api-victim');
      const posted = postUntilDeath(victim);
      // Kill it as soon as any job record of the batch exists: mid-intake.
      await cluster.waitUntil(
        'the intake wrote its first records',
        async () => (await keysOf(cluster, 'job:job_*')).length > 0,
        30_000,
      );
      victim.kill('SIGKILL');
      await posted;
      await cluster.addApi('api-restarted');
      const outcome = await checkIntakeOutcome(cluster);
      report('F14-timed', { items: ITEMS, outcome });
    } finally {
      await cluster.stop();
    }
  });
});
