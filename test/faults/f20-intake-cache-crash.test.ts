import { describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './support/cluster.ts';
import { checkInvariants } from './support/invariants.ts';
import { INPUT, report, stsRequest, totalRequests } from './support/scenario.ts';
import type { ApiProcess } from './support/service-process.ts';

/**
 * A cache hit is answered by the intake itself (src/api/services/cache-intake.ts): it stores
 * the job `running` with a delayed safety-net work item, copies the cached outputs, finishes
 * the job, then removes the safety net. An api process killed after each step must leave a job
 * that ends `succeeded` from the cache: never `succeeded` without its outputs, no upstream
 * call, exactly one object per output, nothing left in the queues.
 */
const STEPS = ['intake-cache-stored', 'intake-cache-copied', 'intake-cache-finished'];

/** Due soon after the crash: the scenario waits for the takeover, not for a minute. */
const RECOVERY_MS = '1500';

/** POSTs `body` to `api`; true when the process died before answering. */
async function postUntilDeath(api: ApiProcess, body: object): Promise<boolean> {
  try {
    const response = await fetch(`${api.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await response.text();
    return false;
  } catch {
    await api.exited;
    return true;
  }
}

/** Every job record's id. */
async function jobIds(cluster: Cluster): Promise<string[]> {
  const keys = await cluster.client.keys(`${cluster.config.QUEUE_PREFIX}:job:job_*`);
  return keys.flatMap((key) => /:(job_[0-9a-z]{26})$/.exec(key)?.[1] ?? []);
}

describe('F20: an api killed between the steps of a cache answer at intake', () => {
  it.each(STEPS)('killed after %s: the job ends succeeded from the cache', async (step) => {
    const started = Date.now();
    const cluster = await startCluster({
      label: `f20-${step}`,
      workers: 1,
      storage: 'file',
      env: { CACHE_INTAKE_RECOVERY_MS: RECOVERY_MS },
    });
    try {
      const upload = await cluster.upload(INPUT);
      const first = await cluster.submit(stsRequest(upload, 190));
      const [source] = await cluster.waitFinished([first], 30_000);
      expect(source?.cache).toBe('miss');
      expect(totalRequests(cluster)).toBe(1);

      const victim = await cluster.addApi('api-victim', { CRASH_POINTS: step });
      expect(await postUntilDeath(victim, stsRequest(upload, 190)), 'the api died').toBe(true);
      expect((await victim.exited).signal).toBe('SIGKILL');
      const [id, ...others] = (await jobIds(cluster)).filter((job) => job !== first);
      expect(others, 'one job stored by the dead intake').toEqual([]);
      expect(id).toBeDefined();

      const [hit] = await cluster.waitFinished([id as string], 30_000);
      expect(hit?.status).toBe('succeeded');
      expect(hit?.cache).toBe('hit');
      expect(hit?.outputs.map((o) => o.sha256)).toEqual(source?.outputs.map((o) => o.sha256));
      // A hit never calls the upstream, whoever completed it.
      expect(totalRequests(cluster)).toBe(1);

      const figures = await checkInvariants(cluster, { jobIds: [first, id as string], limit: 4 });
      report(`F20-${step}`, { ...figures, step, seconds: (Date.now() - started) / 1000 });
    } finally {
      await cluster.stop();
    }
  });
});
