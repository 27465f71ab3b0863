import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCluster } from './support/cluster.ts';
import { checkInvariants } from './support/invariants.ts';
import { INPUT, report, submitBatch } from './support/scenario.ts';
import { spawnService } from './support/service-process.ts';

/** Every file under `dir`, recursively (none when it does not exist). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

/**
 * F16 (issue 8, seen failure 6): a worker started with another STORAGE_URL but the same Redis
 * and prefix ran 92 jobs of the deployment and wrote their outputs to the wrong storage. A
 * worker must refuse work its deployment's intake did not mean for its storage: loudly (log,
 * metric, readiness) and without taking the jobs from a correct worker.
 */
describe('F16: a worker whose storage differs from the intake’s', () => {
  it('refuses the jobs and stores nothing; a correct worker runs them all', async () => {
    const started = Date.now();
    const foreign = await mkdtemp(join(tmpdir(), 'audiobatch-foreign-'));
    const cluster = await startCluster({ label: 'f16', workers: 0 });
    try {
      const { process: wrong, ready } = await spawnService(
        'wrong-storage',
        'worker',
        { ...cluster.env, STORAGE_URL: `file://${foreign}`, METRICS_PORT: '0' },
        'storage is not this deployment’s: refusing to consume',
      );
      expect(ready.level).toBeGreaterThanOrEqual(50);
      const metricsUrl = String(
        (await wrong.waitForLine((l) => l.msg === 'worker metrics listening', 10_000)).url,
      );
      const readiness = await fetch(`${metricsUrl}/readyz`);
      expect(readiness.status).toBe(503);
      expect(await readiness.json()).toMatchObject({ checks: { deployment: 'fail' } });
      expect(await (await fetch(`${metricsUrl}/metrics`)).text()).toMatch(
        /audiobatch_deployment_mismatch 1/,
      );

      const upload = await cluster.upload(INPUT);
      const ids = await submitBatch(cluster, upload, 6, 160);
      await cluster.addWorker('right-storage');
      await cluster.waitFinished(ids, 60_000);
      expect(wrong.alive).toBe(true);
      expect(wrong.lines.filter((l) => l.msg === 'job started')).toEqual([]);
      expect(await filesUnder(foreign)).toEqual([]);
      const figures = await checkInvariants(cluster, { jobIds: ids, limit: 4 });
      report('F16', { ...figures, seconds: (Date.now() - started) / 1000 });
    } finally {
      await cluster.stop();
      await rm(foreign, { recursive: true, force: true });
    }
  });
});
