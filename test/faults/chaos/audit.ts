import { createHash } from 'node:crypto';
import type { BatchView } from '../../../src/shared/batches/batch-record.ts';
import type { JobRecord } from '../../../src/shared/jobs/job-record.ts';
import { isFinished } from '../../../src/shared/jobs/job-types.ts';
import type { Cluster } from '../support/cluster.ts';

/** What the chaos run found, the figures RELIABILITY.md quotes. */
export interface ChaosAudit {
  jobs_accepted: number;
  batches_accepted: number;
  /** Accepted (202) jobs with no record. */
  lost: number;
  /** Jobs not finished by the deadline, and batches not terminal. */
  stuck: number;
  stuck_batches: number;
  succeeded: number;
  failed: number;
  canceled: number;
  failed_codes: Record<string, number>;
  /** Succeeded jobs with an output missing, of the wrong size or hash, or no job.json. */
  succeeded_without_output: number;
  /** Jobs with objects besides their outputs, job.json and input. */
  duplicate_outputs: number;
  /** Runs that took a job over from a run that lost its lock. */
  double_runs: number;
  runs_started: number;
  upstream_calls: number;
  max_in_flight: { speech: number; music: number };
  limits: { speech: number; music: number };
  examples: string[];
}

/** Reads every accepted job and batch back and checks the promises of reliability.md. */
export async function audit(
  cluster: Cluster,
  jobIds: readonly string[],
  batchIds: readonly string[],
): Promise<ChaosAudit> {
  const result: ChaosAudit = {
    jobs_accepted: jobIds.length,
    batches_accepted: batchIds.length,
    lost: 0,
    stuck: 0,
    stuck_batches: 0,
    succeeded: 0,
    failed: 0,
    canceled: 0,
    failed_codes: {},
    succeeded_without_output: 0,
    duplicate_outputs: 0,
    double_runs: 0,
    runs_started: 0,
    upstream_calls: Object.values(cluster.simulator.counters().requests).reduce((a, b) => a + b, 0),
    max_in_flight: { ...cluster.simulator.counters().max_in_flight_by_class },
    limits: {
      speech: cluster.config.UPSTREAM_CONCURRENCY,
      music: cluster.config.MUSIC_CONCURRENCY,
    },
    examples: [],
  };
  const note = (text: string) => {
    if (result.examples.length < 20) result.examples.push(text);
  };
  const allIds = new Set(jobIds);
  for (const batchId of batchIds) {
    const response = await cluster.request(`/v1/batches/${batchId}`);
    const batch = (await response.json()) as BatchView;
    if (batch.status !== 'completed' && batch.status !== 'canceled') {
      result.stuck_batches++;
      note(`batch ${batchId} is ${batch.status}: ${JSON.stringify(batch.counts)}`);
    }
    for (const id of await batchJobIds(cluster, batchId)) allIds.add(id);
  }
  result.jobs_accepted = allIds.size;
  for (const id of allIds) {
    const record = await cluster.jobs.get(id);
    if (!record) {
      result.lost++;
      note(`job ${id} lost`);
      continue;
    }
    result.runs_started += record.runs;
    result.double_runs += record.takeovers;
    if (!isFinished(record.status)) {
      result.stuck++;
      note(`job ${id} still ${record.status}`);
      continue;
    }
    result[record.status as 'succeeded' | 'failed' | 'canceled']++;
    if (record.status === 'failed') {
      const code = record.error?.code ?? 'unknown';
      result.failed_codes[code] = (result.failed_codes[code] ?? 0) + 1;
    }
    const problem = await objectProblem(cluster, record);
    if (problem?.kind === 'missing') {
      result.succeeded_without_output++;
      note(`job ${id}: ${problem.text}`);
    } else if (problem?.kind === 'extra') {
      result.duplicate_outputs++;
      note(`job ${id}: ${problem.text}`);
    }
  }
  return result;
}

/** The audit's verdict: the names of the promises broken (empty when all held). */
export function brokenPromises(result: ChaosAudit): string[] {
  const broken: string[] = [];
  if (result.lost > 0) broken.push('lost');
  if (result.stuck + result.stuck_batches > 0) broken.push('stuck');
  if (result.succeeded_without_output > 0) broken.push('succeeded-without-output');
  if (result.duplicate_outputs > 0) broken.push('duplicate outputs');
  if (result.max_in_flight.speech > result.limits.speech) broken.push('speech limit');
  if (result.max_in_flight.music > result.limits.music) broken.push('music limit');
  if (result.upstream_calls > result.runs_started) broken.push('calls > runs');
  return broken;
}

async function batchJobIds(cluster: Cluster, batchId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query = cursor ? `&cursor=${cursor}` : '';
    const response = await cluster.request(`/v1/batches/${batchId}/jobs?limit=100${query}`);
    if (!response.ok)
      throw new Error(`jobs of ${batchId}: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { data: { id: string }[]; next_cursor: string | null };
    ids.push(...page.data.map((job) => job.id));
    cursor = page.next_cursor;
  } while (cursor);
  return ids;
}

/** What is wrong with a finished job's objects in storage, if anything. */
async function objectProblem(
  cluster: Cluster,
  record: JobRecord,
): Promise<{ kind: 'missing' | 'extra'; text: string } | null> {
  if ((await cluster.storage.head(`jobs/${record.id}/job.json`)) === null)
    return { kind: 'missing', text: 'no job.json' };
  const outputs = record.status === 'succeeded' ? record.outputs : [];
  for (const output of outputs) {
    const bytes = await readAll(cluster, output.key);
    if (bytes === null) return { kind: 'missing', text: `${output.key} absent` };
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== output.bytes || sha !== output.sha256)
      return { kind: 'missing', text: `${output.key} does not match its record` };
  }
  const expected = new Set([...outputs.map((o) => o.key), `jobs/${record.id}/job.json`]);
  if (record.input?.key) expected.add(record.input.key);
  const extra: string[] = [];
  for await (const key of cluster.storage.list(`jobs/${record.id}/`))
    if (!expected.has(key)) extra.push(key);
  return extra.length > 0 ? { kind: 'extra', text: `extra objects ${extra.join(', ')}` } : null;
}

async function readAll(cluster: Cluster, key: string): Promise<Buffer | null> {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of await cluster.storage.get(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } catch {
    return null;
  }
}
