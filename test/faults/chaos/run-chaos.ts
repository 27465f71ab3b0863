/**
 * `npm run chaos -- --minutes N [--storage file|s3] [--seed S] [--workers W]`
 *
 * The whole deployment as real processes (Redis with AOF, worker processes, an api process,
 * the simulator with faults), a workload of every job type and of batches, and random SIGKILLs
 * of workers, the api and Redis for N minutes. Then the kills stop, everything is brought back,
 * every accepted job is waited for, and the promises of reliability.md are audited: lost,
 * stuck, succeeded without output, duplicate outputs, double runs, in-flight against the limit.
 * Exits 1 when a promise broke.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { isFinished } from '../../../src/shared/jobs/job-types.ts';
import { startS3Server, type TestS3Server } from '../../support/s3-server.ts';
import { startCluster, type Cluster } from '../support/cluster.ts';
import type { ApiProcess } from '../support/service-process.ts';
import { audit, brokenPromises } from './audit.ts';
import { batchBody, CHAOS_INPUT, SINGLE_JOBS, withUpload } from './workload.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    storage: { type: 'string', default: 'file' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    workers: { type: 'string', default: '3' },
  },
});
const minutes = Number(values.minutes);
const storage = values.storage === 's3' ? 's3' : 'file';
const workerCount = Number(values.workers);
let seed = Number(values.seed);
/** A small deterministic PRNG (mulberry32): a run's kills can be replayed with its seed. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const between = (low: number, high: number) => low + random() * (high - low);
const log = (text: string) =>
  console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${text}`);

const kills = { worker: 0, api: 0, redis: 0 };
const accepted: string[] = [];
const batches: string[] = [];
let api: ApiProcess | null = null;
let apiGeneration = 0;
let running = true;

async function main(): Promise<void> {
  let s3: TestS3Server | undefined;
  if (storage === 's3') s3 = await startS3Server();
  const cluster = await startCluster({
    label: 'chaos',
    workers: workerCount,
    storage,
    ...(s3 && { s3 }),
    env: { BATCH_INTAKE_LEASE_MS: '5000', INTAKE_RECOVERY_INTERVAL_MS: '1000' },
    simulator: {
      latencyMs: 150,
      faults: {
        seed: Number(values.seed),
        rates: { error_500: 0.05, reset_mid_body: 0.04, truncated_body: 0.04, system_busy: 0.02 },
      },
    },
  });
  const started = Date.now();
  try {
    api = await cluster.addApi(`api-${++apiGeneration}`);
    const upload = await cluster.upload(CHAOS_INPUT);
    log(`running ${minutes} min on ${storage} storage, seed ${values.seed}`);
    const workload = submitWorkload(upload);
    const chaos = unleash(cluster);
    await sleep(minutes * 60_000);
    running = false;
    await Promise.all([workload, chaos]);
    await restore(cluster);
    log(
      `kills: ${JSON.stringify(kills)}; ${accepted.length} jobs, ${batches.length} batches accepted; draining`,
    );
    await drain(cluster);
    const result = await audit(cluster, accepted, batches);
    const broken = brokenPromises(result);
    const report = {
      minutes,
      storage,
      seed: values.seed,
      kills,
      seconds: (Date.now() - started) / 1000,
      ...result,
      broken,
    };
    const path = join(tmpdir(), `audiobatch-chaos-${Date.now()}.json`);
    writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
    printTable(report);
    log(`report: ${path}`);
    process.exitCode = broken.length === 0 ? 0 : 1;
  } finally {
    await cluster.stop();
    await s3?.stop();
  }
}

/** Single jobs of every type at a steady rate, a batch now and then, a few canceled. */
async function submitWorkload(upload: string): Promise<void> {
  let n = 0;
  while (running) {
    n++;
    const request = withUpload(SINGLE_JOBS[n % SINGLE_JOBS.length]!(n), upload);
    const id = await post('/v1/jobs', request);
    if (id) {
      accepted.push(id);
      if (random() < 0.03) void post(`/v1/jobs/${id}/cancel`, {});
    }
    if (n % 60 === 0) {
      const batchId = await post('/v1/batches', withUpload(batchBody(n, 20), upload));
      if (batchId) batches.push(batchId);
    }
    await sleep(between(200, 400));
  }
}

/** POSTs to the current api process; the new resource's id on 2xx, null otherwise. */
async function post(path: string, body: object): Promise<string | null> {
  const target = api;
  if (!target?.alive) return null;
  try {
    const response = await fetch(`${target.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const json = (await response.json()) as { id?: string };
    return response.ok && typeof json.id === 'string' ? json.id : null;
  } catch {
    return null;
  }
}

/** The kills: a worker, the api or Redis, every few seconds, each brought back after a while. */
async function unleash(cluster: Cluster): Promise<void> {
  while (running) {
    await sleep(between(4_000, 12_000));
    if (!running) break;
    const draw = random();
    if (draw < 0.5) {
      const live = cluster.workers.filter((w) => w.alive);
      const victim = live[Math.floor(random() * live.length)];
      if (!victim) continue;
      victim.kill('SIGKILL');
      kills.worker++;
      log(`SIGKILL worker ${victim.name}`);
      await sleep(between(500, 2_000));
      await cluster.addWorker(`w${cluster.workers.length + 1}`).catch(() => undefined);
    } else if (draw < 0.75) {
      api?.kill('SIGKILL');
      kills.api++;
      log('SIGKILL api');
      await sleep(between(500, 2_000));
      api = await cluster.addApi(`api-${++apiGeneration}`).catch(() => null);
    } else {
      cluster.redis.kill('SIGKILL');
      kills.redis++;
      const downMs = between(1_000, 5_000);
      log(`SIGKILL redis, down ${Math.round(downMs)} ms`);
      await sleep(downMs);
      await cluster.redis.restart();
    }
  }
}

/** Back to full strength: the workers and an api process alive. */
async function restore(cluster: Cluster): Promise<void> {
  const live = cluster.workers.filter((w) => w.alive).length;
  for (let i = live; i < workerCount; i++) await cluster.addWorker(`w-final-${i}`);
  if (!api?.alive) api = await cluster.addApi(`api-${++apiGeneration}`);
}

/** Waits until every accepted job has finished, or a generous deadline passes. */
async function drain(cluster: Cluster): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const records = await Promise.all(accepted.map((id) => cluster.jobs.get(id)));
    const open = records.filter((r) => r && !isFinished(r.status)).length;
    const batchesOpen = await openBatches(cluster);
    if ((open === 0 && batchesOpen === 0) || Date.now() > deadline) return;
    await sleep(2_000);
  }
}

async function openBatches(cluster: Cluster): Promise<number> {
  let open = 0;
  for (const id of batches) {
    const response = await cluster.request(`/v1/batches/${id}`);
    const batch = (await response.json()) as { status?: string };
    if (batch.status !== 'completed' && batch.status !== 'canceled') open++;
  }
  return open;
}

function printTable(report: Record<string, unknown>): void {
  const rows = [
    'jobs_accepted',
    'batches_accepted',
    'succeeded',
    'failed',
    'canceled',
    'lost',
    'stuck',
    'stuck_batches',
    'succeeded_without_output',
    'duplicate_outputs',
    'double_runs',
    'runs_started',
    'upstream_calls',
    'max_in_flight',
    'limits',
    'failed_codes',
    'kills',
    'broken',
  ];
  for (const row of rows) console.log(`${row.padEnd(26)} ${JSON.stringify(report[row])}`);
}

await main();
