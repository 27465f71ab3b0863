import type { Redis } from 'ioredis';
import { createBatch, createJob } from './harness/api.ts';
import { baselineQueue } from './harness/baseline-queue.ts';
import { dialogueRequest } from './harness/requests.ts';
import { Stack } from './harness/stack.ts';

/**
 * Redis bytes per queued job, and where they go: queues `--jobs` jobs (default 10,000; no
 * worker runs) through `POST /v1/batches` (and `--singles` through `POST /v1/jobs`), then sums
 * `MEMORY USAGE` over every key, grouped by what the key is, divided by the number of jobs.
 * The baseline is `queue.addBulk` of as many bare BullMQ entries in the same Redis. Redis runs
 * with the embedded one's settings (`hash-max-listpack-value` 256, what production Redis should
 * be given too: README "Redis memory"); `--listpack-value 64` measures Redis's default.
 *
 *   npm run build && npx tsx bench/redis-footprint.ts [--jobs 10000] [--singles 1000]
 */

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const JOBS = option('jobs', 10_000);
const SINGLES = option('singles', 1_000);
const LISTPACK_VALUE = option('listpack-value', 0);
const CHUNK = 10_000;

/** What a key is, from its name: its group in the breakdown. */
function groupOf(key: string): string {
  if (key.startsWith('bench-baseline:')) return 'baseline (bare BullMQ)';
  if (/:job:[^:]+$/.test(key)) return 'job record hash';
  // BullMQ's keys: <prefix>:<queue>:<job id> for a job, <prefix>:<queue>:<name> for the rest.
  const bull = /:jobs-[^:]+:([^:]+)$/.exec(key);
  if (bull) return bull[1]!.startsWith('job_') ? 'BullMQ job hash' : `BullMQ ${bull[1]}`;
  if (/:idx:owner:[^:]+:jobs$/.test(key)) return 'index: owner jobs';
  if (/:idx:owner:[^:]+:jobs:/.test(key)) return 'index: owner jobs by type';
  if (/:tenant:[^:]+:queued$/.test(key)) return 'index: tenant queued set';
  if (/:batch:/.test(key)) return `batch: ${key.replace(/^.*:batch:[^:]+/, '') || '(hash)'}`;
  if (/:idem/.test(key)) return 'idempotency';
  return `other: ${key.replace(/[A-Za-z0-9]{20,}/g, '*')}`;
}

async function footprint(redis: Redis): Promise<Map<string, { keys: number; bytes: number }>> {
  const groups = new Map<string, { keys: number; bytes: number }>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    // SAMPLES 0: every element counted, not an estimate from the first five.
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    const sizes = (await pipeline.exec()) ?? [];
    keys.forEach((key, i) => {
      const group = groupOf(key);
      const entry = groups.get(group) ?? { keys: 0, bytes: 0 };
      entry.keys += 1;
      entry.bytes += Number(sizes[i]?.[1] ?? 0);
      groups.set(group, entry);
    });
  } while (cursor !== '0');
  return groups;
}

async function encodings(redis: Redis, pattern: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const [, keys] = await redis.scan('0', 'MATCH', pattern, 'COUNT', 5000);
  for (const key of keys.slice(0, 200)) {
    const encoding = String(await redis.object('ENCODING', key));
    counts[encoding] = (counts[encoding] ?? 0) + 1;
  }
  return counts;
}

async function main(): Promise<void> {
  const stack = await Stack.start();
  try {
    const redis = stack.client();
    if (LISTPACK_VALUE > 0)
      await redis.config('SET', 'hash-max-listpack-value', String(LISTPACK_VALUE));
    const listpackValue = (await redis.config('GET', 'hash-max-listpack-value')) as string[];
    const api = await stack.startApi();
    for (let done = 0; done < JOBS; done += CHUNK) {
      const items = Array.from({ length: Math.min(CHUNK, JOBS - done) }, (_, i) =>
        dialogueRequest(done + i),
      );
      await createBatch(api.url, items, done);
    }
    for (let i = 0; i < SINGLES; i += 1) await createJob(api.url, dialogueRequest(JOBS + i));
    const total = JOBS + SINGLES;
    const queue = baselineQueue(redis);
    for (let done = 0; done < total; done += CHUNK) {
      await queue.addBulk(
        Array.from({ length: Math.min(CHUNK, total - done) }, (_, i) => ({
          name: 'text_to_dialogue',
          data: { job_id: `job_${String(done + i).padStart(26, '0')}` },
        })),
      );
    }
    await queue.close();

    const groups = await footprint(redis);
    const rows = [...groups.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
    const baseline = groups.get('baseline (bare BullMQ)')?.bytes ?? 0;
    let service = 0;
    console.log(
      `${JOBS} batch jobs + ${SINGLES} single jobs, hash-max-listpack-value ${listpackValue[1]}`,
    );
    console.log('group'.padEnd(40), 'keys'.padStart(8), 'bytes'.padStart(12), 'B/job'.padStart(8));
    for (const [group, { keys, bytes }] of rows) {
      if (group !== 'baseline (bare BullMQ)') service += bytes;
      console.log(
        group.padEnd(40),
        String(keys).padStart(8),
        String(bytes).padStart(12),
        (bytes / total).toFixed(0).padStart(8),
      );
    }
    console.log(`audiobatch: ${(service / total).toFixed(0)} B per queued job`);
    console.log(`baseline:   ${(baseline / total).toFixed(0)} B per bare BullMQ entry`);
    console.log('record encodings (200 sampled):', await encodings(redis, '*:job:job_*'));
    const one = async (pattern: string) =>
      redis.hgetall((await redis.scan('0', 'MATCH', pattern, 'COUNT', 100))[1][0]!);
    console.log('one record:', await one('*:job:job_*'));
    console.log('one BullMQ job hash:', await one('*:jobs-*:job_*'));
  } finally {
    await stack.stop();
    await Stack.removeFolders();
  }
}

await main();
