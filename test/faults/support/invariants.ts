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
  /** The music-class limit, when the scenario runs music-class jobs too. */
  musicLimit?: number;
  /** The scenario made the simulator refuse for concurrency itself (its limit below ours). */
  simulatorRefusals?: boolean;
}

/** What the check measured, for the scenario's report. */
export interface InvariantFigures {
  jobs: number;
  statuses: Record<string, number>;
  upstream_requests: number;
  /** Runs started (claims), counted exactly on the records. */
  runs_started: number;
  /** Runs that took a job over from a run that had lost its lock: the double runs. */
  double_runs: number;
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
 * - nothing stuck: no BullMQ job waiting, active or delayed, in either class;
 * - bounded spending: upstream requests ≤ runs started (each run makes at most one call,
 *   counted exactly by the claims on the records), and no job spent more attempts than
 *   configured; double runs (takeovers) counted and reported;
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
  let runsStarted = 0;
  let doubleRuns = 0;
  for (const [index, record] of records.entries()) {
    const id = options.jobIds[index]!;
    expect(record, `job ${id} lost`).not.toBeNull();
    const job = record as JobRecord;
    statuses[job.status] = (statuses[job.status] ?? 0) + 1;
    expect(job.status, `${id}: ${JSON.stringify(job.error)}`).toBe(expected(id));
    expect(job.attempts).toBeLessThanOrEqual(cluster.config.JOB_ATTEMPTS);
    outputsVerified += await checkObjects(cluster, job);
    runsStarted += job.runs;
    doubleRuns += job.takeovers;
  }

  // A job reads finished before its batch does: the batch's finalize may still be writing its
  // results and manifest. A write under way ends; one a dead process left stays, and fails here.
  let pending: string[] = [];
  await cluster
    .waitUntil(
      'no upload under way',
      async () => {
        pending = await cluster.storage.listPendingUploads('');
        return pending.length === 0;
      },
      20_000,
    )
    .catch(() => undefined);
  expect(pending, 'leftover multipart uploads').toEqual([]);

  const counters = cluster.simulator.counters();
  expect(counters.max_in_flight_by_class.speech).toBeLessThanOrEqual(options.limit);
  if (options.musicLimit !== undefined)
    expect(counters.max_in_flight_by_class.music).toBeLessThanOrEqual(options.musicLimit);
  if (!options.simulatorRefusals) expect(counters.rejected_concurrency).toBe(0);

  // A job can read finished while its BullMQ entry is still held by a worker that died after
  // the commit: that entry comes back after the lock expires, and its delivery only completes
  // what follows the finish. Wait for the queues to empty, then compare.
  for (const queue of [cluster.queues.speech, cluster.queues.music]) {
    const states = ['waiting', 'prioritized', 'active', 'delayed'] as const;
    let counts: Record<string, number> = {};
    await cluster
      .waitUntil(
        `${queue.name} empty`,
        async () => {
          counts = await queue.getJobCounts(...states);
          return Object.values(counts).every((n) => n === 0);
        },
        20_000,
      )
      .catch(() => undefined);
    expect(counts, `jobs stuck in ${queue.name}`).toEqual({
      waiting: 0,
      prioritized: 0,
      active: 0,
      delayed: 0,
    });
  }

  const requests = Object.values(counters.requests).reduce((sum, n) => sum + n, 0);
  expect(requests, 'upstream requests beyond runs started').toBeLessThanOrEqual(runsStarted);
  return {
    jobs: options.jobIds.length,
    statuses,
    upstream_requests: requests,
    runs_started: runsStarted,
    double_runs: doubleRuns,
    max_in_flight: counters.max_in_flight_by_class.speech,
    faults_injected: { ...counters.faults },
    outputs_verified: outputsVerified,
  };
}

/** The job's folder against its record; returns how many outputs were verified. */
async function checkObjects(cluster: Cluster, job: JobRecord): Promise<number> {
  // job.json is written before a finish commits: a finished job always has it.
  expect(
    await cluster.storage.head(`jobs/${job.id}/job.json`),
    `job.json of ${job.id}`,
  ).not.toBeNull();
  const outputs = job.status === 'succeeded' ? job.outputs : [];
  const expectedKeys = [...outputs.map((o) => o.key), `jobs/${job.id}/job.json`].sort();
  // What other runs wrote goes once they notice they lost (their own clean-up) or once the
  // finish's sweep has run, both just after the commit: wait for it, then compare. A URL input
  // fetched by a run is kept with the job; nothing else beside the outputs and job.json.
  let kept: string[] = [];
  const listKept = async () => {
    const keys: string[] = [];
    for await (const key of cluster.storage.list(`jobs/${job.id}/`)) keys.push(key);
    kept = keys.filter((key) => key !== job.input?.key).sort();
    return kept.join() === expectedKeys.join();
  };
  await cluster
    .waitUntil(`only the committed objects of ${job.id}`, listKept, 15_000)
    .catch(() => undefined);
  expect(kept, `objects of ${job.id}`).toEqual(expectedKeys);
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
