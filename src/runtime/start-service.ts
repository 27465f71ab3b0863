import { buildApp } from '../api/app.ts';
import { intakeHost, authDisabled, type Config } from '../shared/config.ts';
import { JobStore } from '../shared/jobs/job-store.ts';
import type { Logger } from '../shared/logger.ts';
import { closeQueues, createQueues } from '../shared/queue/queues.ts';
import { createRedis, warnUnlessNoEviction } from '../shared/redis/connections.ts';
import { redisKeys } from '../shared/redis/keys.ts';
import { createStorage } from '../shared/storage/create-storage.ts';
import { UploadStore } from '../shared/uploads/upload-store.ts';
import { AttemptLog } from '../workers/attempt-log.ts';
import { createWorkers } from '../workers/create-workers.ts';
import { createInputFetcher } from '../workers/inputs/fetch-input-url.ts';
import { createUpstreamClient } from '../workers/upstream/upstream-client.ts';
import { resolveRedis } from './embedded-redis.ts';
import { resolveUpstream } from './embedded-upstream.ts';

export type Role = 'all' | 'api' | 'worker';

export interface RunningService {
  /** The intake's address, when this process serves it. */
  url: string | null;
  stop(): Promise<void>;
}

/**
 * The composition root: builds the dependencies for the role and starts the intake and/or the
 * workers. Stopping runs the same steps backwards (intake first, so no new work arrives).
 */
export async function startService(
  config: Config,
  role: Role,
  logger: Logger,
): Promise<RunningService> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse())
      await step().catch((err: unknown) => logger.error({ err }, 'stop step failed'));
  };
  try {
    const redis = await resolveRedis(config, role, logger);
    if (redis.stop) stops.push(redis.stop);
    const storage = createStorage({
      url: config.STORAGE_URL,
      s3: {
        endpoint: config.S3_ENDPOINT,
        region: config.S3_REGION,
        forcePathStyle: config.S3_FORCE_PATH_STYLE,
        checksumMode: config.S3_CHECKSUM_MODE,
        accessKeyId: config.AWS_ACCESS_KEY_ID,
        secretAccessKey: config.AWS_SECRET_ACCESS_KEY,
      },
    });
    stops.push(() => storage.close());
    const keys = redisKeys(config.QUEUE_PREFIX);
    const queueSettings = {
      prefix: config.QUEUE_PREFIX,
      attempts: config.JOB_ATTEMPTS,
      backoffMs: config.JOB_BACKOFF_MS,
    };

    if (role !== 'api') {
      const workerRedis = createRedis(redis.url, 'worker', 'worker');
      stops.push(() => workerRedis.quit());
      await warnUnlessNoEviction(workerRedis, logger);
      const upstreamTarget = await resolveUpstream(config, logger);
      if (upstreamTarget.simulator) stops.push(() => upstreamTarget.simulator!.close());
      const upstream = createUpstreamClient({
        baseUrl: upstreamTarget.baseUrl,
        apiKey: upstreamTarget.apiKey,
        connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
        headersTimeoutMs: config.UPSTREAM_HEADERS_TIMEOUT_MS,
        bodyIdleTimeoutMs: config.UPSTREAM_BODY_IDLE_TIMEOUT_MS,
      });
      stops.push(() => upstream.close());
      const inputs = createInputFetcher(
        { allowPrivate: config.ALLOW_PRIVATE_URLS },
        config.UPSTREAM_TOTAL_TIMEOUT_MS,
      );
      stops.push(() => inputs.close());
      const queues = createQueues(workerRedis, queueSettings);
      stops.push(() => closeQueues(queues));
      const workers = await createWorkers({
        config,
        logger,
        redis: workerRedis,
        keys,
        jobs: new JobStore(workerRedis, keys),
        attempts: new AttemptLog(workerRedis, keys),
        storage,
        upstream,
        inputs,
        queues,
      });
      stops.push(() => workers.close());
      logger.info({ concurrency: config.WORKER_CONCURRENCY }, 'workers consuming');
    }

    let url: string | null = null;
    if (role !== 'worker') {
      const intakeRedis = createRedis(redis.url, 'intake', 'api');
      stops.push(() => intakeRedis.quit());
      const queues = createQueues(intakeRedis, queueSettings);
      stops.push(() => closeQueues(queues));
      const app = await buildApp({
        config,
        logger,
        redis: intakeRedis,
        keys,
        jobs: new JobStore(intakeRedis, keys),
        uploads: new UploadStore(intakeRedis, keys),
        queues,
        storage,
      });
      stops.push(() => app.close());
      url = await app.listen({ host: intakeHost(config), port: config.PORT });
      if (authDisabled(config))
        logger.warn('API_KEYS is unset: auth is off and the intake listens on loopback only');
      logger.info({ url }, 'intake listening');
    }
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
