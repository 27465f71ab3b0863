import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { JobRecord } from '../../../src/shared/jobs/job-record.ts';
import type { JobStatus } from '../../../src/shared/jobs/job-types.ts';
import type { Cluster } from './cluster.ts';

export interface InvariantOptions {
  /** Every job the intake accepted (answered 202) during the scenario. */
  jobIds: string[];
  /** The status each job must end in; default `succeeded` for all. */
  expectedStatus?: (id: string) => JobStatus;
  /** The speech-class limit the workers were given. */
  limit: number;
  /** The scenario made the simulator refuse for concurrency itself (its limit below ours). */
  simulatorRefusals?: boolean;
}

/** What the check measured, for the scenario's report. */
export interface InvariantFigures {
  jobs: number;
  statuses: Record<string, number>;
  upstream_requests: number;
  attempts_started: number;
  max_in_flight: number;
  faults_injected: Record<string, number>;
  outputs_verified: number;
}

/**
 * The promises of reliability.md, checked after every scenario:
 * - no lost job: every accepted job has its record, finished, in the expected status;
 * - one object per job: a succeeded job's folder holds exactly its outputs (whose bytes hash
 *   to what the record says) and job.json; a canceled or failed one holds no output;
 * - the limit held: the simulator never saw more than `limit` speech calls at once;
 * - nothing stuck: no BullMQ job waiting, active or delayed;
 * - bounded spending: upstream requests ≤ job starts (each start makes at most one call), and
 *   no job spent more attempts than configured;
 * - no leftover multipart uploads (nor the file driver's temp files).
 */
export async function checkInvariants(
  cluster: Cluster,
  options: InvariantOptions,
): Promise<InvariantFigures> {
  const expected = options.expectedStatus ?? (() => 'succeeded' as const);
  const records = await Promise.all(options.jobIds.map((id) => cluster.jobs.get(id)));
  const statuses: Record<string, number> = {};
  let outputsVerified = 0;
  let attemptsStarted = 0;
  for (const [index, record] of records.entries()) {
    const id = options.jobIds[index]!;
    expect(record, `job ${id} lost`).not.toBeNull();
    const job = record as JobRecord;
    statuses[job.status] = (statuses[job.status] ?? 0) + 1;
    expect(job.status, `${id}: ${JSON.stringify(job.error)}`).toBe(expected(id));
    expect(job.attempts).toBeLessThanOrEqual(cluster.config.JOB_ATTEMPTS);
    outputsVerified += await checkObjects(cluster, job);
    const bull = await cluster.queues.speech.getJob(id);
    attemptsStarted += bull?.attemptsStarted ?? 0;
  }

  const pending = await cluster.storage.listPendingUploads('');
  expect(pending, 'leftover multipart uploads').toEqual([]);

  const counters = cluster.simulator.counters();
  expect(counters.max_in_flight_by_class.speech).toBeLessThanOrEqual(options.limit);
  if (!options.simulatorRefusals) expect(counters.rejected_concurrency).toBe(0);

  const counts = await cluster.queues.speech.getJobCounts(
    'waiting',
    'prioritized',
    'active',
    'delayed',
  );
  expect(counts, 'jobs stuck in the queue').toEqual({
    waiting: 0,
    prioritized: 0,
    active: 0,
    delayed: 0,
  });

  const requests = Object.values(counters.requests).reduce((sum, n) => sum + n, 0);
  expect(requests, 'upstream requests beyond job starts').toBeLessThanOrEqual(attemptsStarted);
  return {
    jobs: options.jobIds.length,
    statuses,
    upstream_requests: requests,
    attempts_started: attemptsStarted,
    max_in_flight: counters.max_in_flight_by_class.speech,
    faults_injected: { ...counters.faults },
    outputs_verified: outputsVerified,
  };
}

/** The job's folder against its record; returns how many outputs were verified. */
async function checkObjects(cluster: Cluster, job: JobRecord): Promise<number> {
  // job.json is written just after the status changes; when the worker was killed in between,
  // only the job's next delivery writes it: after the lock expires and a stalled check runs.
  await cluster.waitUntil(
    `job.json of ${job.id}`,
    async () => (await cluster.storage.head(`jobs/${job.id}/job.json`)) !== null,
    15_000,
  );
  const keys: string[] = [];
  for await (const key of cluster.storage.list(`jobs/${job.id}/`)) keys.push(key);
  const outputs = job.status === 'succeeded' ? job.outputs : [];
  const expectedKeys = [...outputs.map((o) => o.key), `jobs/${job.id}/job.json`].sort();
  const kept = keys.filter((key) => !key.endsWith('/input'));
  expect(kept.sort(), `objects of ${job.id}`).toEqual(expectedKeys);
  for (const output of outputs) {
    const body = await readAll(await cluster.storage.get(output.key));
    expect(body.length, `${output.key} size`).toBe(output.bytes);
    expect(createHash('sha256').update(body).digest('hex'), `${output.key} sha256`).toBe(
      output.sha256,
    );
  }
  return outputs.length;
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
