/**
 * Retention in a long run: 2,000 jobs submitted in rounds over several retention periods,
 * with JOB_RETENTION_DAYS and UPLOAD_RETENTION_DAYS set to RETENTION_S seconds. After each
 * round it prints the Redis keys and memory and the stored objects and bytes: with retention
 * on they level off at what one retention period holds, whatever the total submitted.
 *
 *   npx tsx bench/retention-long-run.ts [--rounds 10] [--jobs 200] [--retention-s 20] [--round-s 10]
 *
 * `--retention-s 0` runs the same load with retention off, for comparison.
 *
 * Its own redis-server, file storage in a temp folder and the simulator, all in this process.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startService } from '../src/runtime/start-service.ts';
import { loadConfig } from '../src/shared/config.ts';
import { createLogger } from '../src/shared/logger.ts';
import { startRedisServer } from '../src/shared/redis/redis-process.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { encodeWav } from '../src/simulator/audio/encode-wav.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    jobs: { type: 'string', default: '200' },
    'retention-s': { type: 'string', default: '20' },
    'round-s': { type: 'string', default: '10' },
  },
});
const ROUNDS = Number(values.rounds);
const JOBS = Number(values.jobs);
/** 0: retention off, for the comparison. */
const RETENTION_S = Number(values['retention-s']);
const ROUND_S = Number(values['round-s']);
const KEY = 'retention-long-run-key';

/** 0.25 s of a 220 Hz tone, 16 kHz mono WAV: the input of every job. */
function toneWav(): Buffer {
  const samples = Int16Array.from({ length: 4_000 }, (_, i) =>
    Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 16_000)),
  );
  return encodeWav(samples, 16_000);
}

async function folderSize(dir: string): Promise<{ objects: number; bytes: number }> {
  let objects = 0;
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    // Retention may delete it meanwhile: count only what is still there.
    const size = await stat(join(entry.parentPath, entry.name)).then(
      (found) => found.size,
      () => null,
    );
    if (size === null) continue;
    objects++;
    bytes += size;
  }
  return { objects, bytes };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'audiobatch-retention-'));
  const redisServer = await startRedisServer({ dir: join(dir, 'redis') });
  const simulator = await startSimulator({
    apiKey: KEY,
    port: 0,
    concurrency: { speech: 10, music: 2 },
  });
  const objectsDir = join(dir, 'objects');
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    REDIS_URL: redisServer.url,
    STORAGE_URL: `file://${objectsDir}`,
    ELEVENLABS_API_KEY: KEY,
    ELEVENLABS_BASE_URL: simulator.url,
    UPSTREAM_CONCURRENCY: '10',
    RATE_LIMIT_PER_MINUTE: '1000000',
    JOB_RETENTION_DAYS: String(RETENTION_S / 86_400),
    UPLOAD_RETENTION_DAYS: String(RETENTION_S / 86_400),
    RETENTION_CHECK_INTERVAL_MS: '1000',
  });
  const service = await startService(config, 'all', createLogger({ level: 'warn' }));
  const url = service.url as string;
  const redis = new Redis(redisServer.url);
  const post = async (path: string, body: Buffer | string, type: string) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });
    if (response.status >= 300)
      throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string };
  };
  const sample = async () => {
    const memory = /used_memory:(\d+)/.exec(await redis.info('memory'))?.[1];
    return {
      keys: await redis.dbsize(),
      memory: Number(memory),
      ...(await folderSize(objectsDir)),
    };
  };

  const started = Date.now();
  console.log(
    `${ROUNDS} rounds of ${JOBS} jobs (half single, half one batch) every ${ROUND_S} s, ` +
      `retention ${RETENTION_S > 0 ? `${RETENTION_S} s` : 'off'}`,
  );
  console.log(
    'round | s | jobs submitted | Redis keys | Redis used_memory | objects | stored bytes',
  );
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const roundStart = Date.now();
      const upload = await post('/v1/uploads', toneWav(), 'audio/wav');
      const params = { voice_id: 'JBFqnCBsd6RMkjVDRZzb', output_format: 'pcm_16000' };
      const singles = Array.from({ length: JOBS / 2 }, () =>
        post(
          '/v1/jobs',
          JSON.stringify({ type: 'speech_to_speech', params, input: { upload_id: upload.id } }),
          'application/json',
        ),
      );
      const batch = post(
        '/v1/batches',
        JSON.stringify({
          defaults: { type: 'speech_to_speech', params },
          items: Array.from({ length: JOBS / 2 }, () => ({ input: { upload_id: upload.id } })),
        }),
        'application/json',
      );
      await Promise.all([...singles, batch]);
      // Rounds shorter than the retention period, so several periods pass during the run.
      const rest = ROUND_S * 1000 - (Date.now() - roundStart);
      if (rest > 0) await sleep(rest);
      const s = await sample();
      const row = [
        round,
        Math.round((Date.now() - started) / 1000),
        round * JOBS,
        s.keys,
        `${(s.memory / 1024 / 1024).toFixed(2)} MB`,
        s.objects,
        `${(s.bytes / 1024 / 1024).toFixed(2)} MB`,
      ].join(' | ');
      console.log(row);
    }
  } finally {
    redis.disconnect();
    await service.stop();
    await simulator.close();
    await redisServer.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
