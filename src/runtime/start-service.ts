import { intakeHost, authDisabled, type Config } from '../shared/config.ts';
import { startIntakeRecovery } from '../shared/batches/batch-intake-recovery.ts';
import { batchKeys } from '../shared/batches/batch-keys.ts';
import { BatchStore } from '../shared/batches/batch-store.ts';
import { openJobEvents } from '../shared/batches/job-events.ts';
import { JobStore } from '../shared/jobs/job-store.ts';
import type { Logger } from '../shared/logger.ts';
import { createAccountQueues } from '../shared/queue/account-queues.ts';
import { accountRouting, upstreamAccounts } from '../shared/tenants/upstream-accounts.ts';
import { createRedis, untilReady, warnUnlessNoEviction } from '../shared/redis/connections.ts';
import { redisKeys, type RedisKeys } from '../shared/redis/keys.ts';
import type { RedisTarget } from '../shared/redis/redis-target.ts';
import { storageFromConfig } from '../shared/storage/create-storage.ts';
import type { ObjectStorage } from '../shared/storage/object-storage.ts';
import { UploadStore } from '../shared/uploads/upload-store.ts';
import { UsageLedger } from '../shared/usage/usage-ledger.ts';
import { AttemptLog } from '../shared/lifecycle/attempt-log.ts';
import {
  DeploymentMismatchError,
  resolveDeployment,
} from '../shared/deployment/deployment-marker.ts';
import { startEventWorkers } from '../workers/webhooks/start-event-workers.ts';
import { startRetention } from '../workers/retention/retention-worker.ts';
import { createInputFetcher } from '../workers/inputs/fetch-input-url.ts';
import { createMetrics, type Metrics } from '../shared/metrics/metrics.ts';
import { registerQueueMetrics } from '../shared/metrics/queue-metrics.ts';
import { logConnectionState } from './connection-log.ts';
import { resolveRedis } from './embedded-redis.ts';
import { warnUnlessDurable } from './redis-durability.ts';
import { startAccountWorkers } from './account-workers.ts';
import { startMetricsServer } from './metrics-server.ts';
import { metricsAuthCheck } from '../shared/metrics/metrics-auth.ts';

export type Role = 'all' | 'api' | 'worker';

/** How long the intake waits for its Redis connection before it listens regardless, ms. */
const INTAKE_READY_WAIT_MS = 10_000;

export interface RunningService {
  /** The intake's address, when this process serves it. */
  url: string | null;
  /** The worker role's own metrics listener, when METRICS_PORT is set. */
  metricsUrl: string | null;
  /** This process's instruments (tests read them). */
  metrics: Metrics;
  stop(): Promise<void>;
}

export interface StartServiceOptions {
  /** Process metrics (CPU, memory, event loop): on in a real process, off in tests. */
  defaultMetrics?: boolean;
}

/**
 * The composition root: builds the dependencies for the role and starts the intake and/or the
 * workers. Stopping runs the same steps backwards (intake first, so no new work arrives).
 */
export async function startService(
  config: Config,
  role: Role,
  logger: Logger,
  options: StartServiceOptions = {},
): Promise<RunningService> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse())
      await step().catch((err: unknown) => logger.error({ err }, 'stop step failed'));
  };
  try {
    const redis = await resolveRedis(config, role, logger);
    if (redis.stop) stops.push(redis.stop);
    const storage = storageFromConfig(config);
    stops.push(() => storage.close());
    const keys = redisKeys(config.QUEUE_PREFIX);
    // One registry per process: in `all`, the intake's /metrics shows the workers' too.
    const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? false });
    let metricsUrl: string | null = null;
    const queueSettings = {
      prefix: config.QUEUE_PREFIX,
      attempts: config.JOB_ATTEMPTS,
      backoffMs: config.JOB_BACKOFF_MS,
    };
    const routing = accountRouting(config);

    const deployment = await deploymentOf(
      config,
      role,
      { target: redis.target, storage, keys },
      logger,
    );
    if (deployment === null) {
      // A worker of another deployment: it stays up, loudly unready, and consumes nothing.
      metrics.deploymentMismatch.set(1);
      if (config.METRICS_PORT !== undefined) {
        const server = await startMetricsServer(
          metrics,
          intakeHost(config),
          config.METRICS_PORT,
          { ready: false, checks: { deployment: 'fail' } },
          metricsAuthCheck(config.METRICS_AUTH),
        );
        stops.push(() => server.close());
        metricsUrl = server.url;
        logger.info({ url: server.url }, 'worker metrics listening');
      }
      return { url: null, metricsUrl, metrics, stop };
    }

    if (role !== 'api') {
      const workerRedis = createRedis(redis.target, 'worker', 'worker');
      logConnectionState(workerRedis, logger, 'worker');
      stops.push(() => workerRedis.quit());
      await warnUnlessNoEviction(workerRedis, logger);
      await warnUnlessDurable(workerRedis, logger);
      const inputs = createInputFetcher(
        { allowPrivate: config.ALLOW_PRIVATE_URLS },
        config.UPSTREAM_TOTAL_TIMEOUT_MS,
      );
      stops.push(() => inputs.close());
      const queues = createAccountQueues(
        workerRedis,
        queueSettings,
        routing,
        config.TENANT_WEIGHTS,
      );
      stops.push(() => queues.close());
      const jobEvents = openJobEvents(workerRedis, config);
      stops.push(() => jobEvents.close());
      const jobs = new JobStore(workerRedis, keys);
      const shared = {
        config,
        logger,
        redis: workerRedis,
        keys,
        jobs,
        attempts: new AttemptLog(workerRedis, keys),
        usage: new UsageLedger(workerRedis, config.QUEUE_PREFIX),
        storage,
        inputs,
        queues,
        metrics,
        events: jobEvents.events,
        deployment,
      };
      // One set of workers per upstream account; all of them stop together (one grace period).
      const accounts: { close(): Promise<void> }[] = [];
      try {
        for (const account of upstreamAccounts(config))
          accounts.push(await startAccountWorkers(shared, account));
      } finally {
        stops.push(() => Promise.all(accounts.map((running) => running.close())));
      }
      const eventWorkers = await startEventWorkers({
        config,
        logger,
        redis: workerRedis,
        keys,
        jobs,
        storage,
        queues: jobEvents.queues,
      });
      stops.push(() => eventWorkers.close());
      const batchKeySet = batchKeys(config.QUEUE_PREFIX);
      const retention = await startRetention(config, {
        redis: workerRedis,
        keys,
        batchKeys: batchKeySet,
        jobs,
        storage,
        queues,
        eventQueues: jobEvents.queues,
        logger,
      });
      stops.push(() => retention.close());
      const recovery = startIntakeRecovery(
        {
          redis: workerRedis,
          keys,
          batchKeys: batchKeySet,
          jobs,
          batches: new BatchStore(workerRedis, batchKeySet),
          queues,
          logger,
          metrics,
          leaseMs: config.BATCH_INTAKE_LEASE_MS,
        },
        config.INTAKE_RECOVERY_INTERVAL_MS,
      );
      stops.push(() => recovery.stop());
      logger.info(
        {
          concurrency: config.WORKER_CONCURRENCY,
          limits: { speech: config.UPSTREAM_CONCURRENCY, music: config.MUSIC_CONCURRENCY },
          accounts: routing.names,
        },
        'workers consuming',
      );
      if (role === 'worker') {
        // Where the intake runs, buildApp registers these; a lone worker does it here.
        registerQueueMetrics(metrics, { queues, redis: workerRedis, keys });
        if (config.METRICS_PORT !== undefined) {
          const server = await startMetricsServer(
            metrics,
            intakeHost(config),
            config.METRICS_PORT,
            { ready: true, checks: { deployment: 'ok' } },
            metricsAuthCheck(config.METRICS_AUTH),
          );
          stops.push(() => server.close());
          metricsUrl = server.url;
          logger.info({ url: server.url }, 'worker metrics listening');
        }
      }
    }

    let url: string | null = null;
    if (role !== 'worker') {
      const intakeRedis = createRedis(redis.target, 'intake', 'api');
      logConnectionState(intakeRedis, logger, 'intake');
      stops.push(() => intakeRedis.quit());
      const queues = createAccountQueues(
        intakeRedis,
        queueSettings,
        routing,
        config.TENANT_WEIGHTS,
      );
      stops.push(() => queues.close());
      // Loaded here, not at the top: a worker process never loads the intake (Fastify, its
      // plugins, OpenAPI, the dashboard), which would only weigh on its memory (B5).
      const { buildApp } = await import('../api/app.ts');
      const app = await buildApp({
        config,
        logger,
        redis: intakeRedis,
        keys,
        jobs: new JobStore(intakeRedis, keys),
        uploads: new UploadStore(intakeRedis, keys),
        queues,
        storage,
        metrics,
        deployment,
      });
      // Idle keep-alive connections close at once; requests still running (a long ?wait=)
      // get a few seconds, then their connections are closed so shutdown never hangs.
      stops.push(async () => {
        const force = setTimeout(() => app.server.closeAllConnections(), 5_000);
        try {
          await app.close();
        } finally {
          clearTimeout(force);
        }
      });
      // The intake's connection refuses commands until it is ready (it fails fast rather than
      // queue them), so listening before then would answer the first requests with 503. Redis
      // answered the deployment check a moment ago; if this connection still is not ready after
      // the wait, the api listens anyway: it answers 503 and /readyz says why, until it is.
      if (!(await untilReady(intakeRedis, INTAKE_READY_WAIT_MS)))
        logger.warn(
          { waited_ms: INTAKE_READY_WAIT_MS },
          'the intake’s Redis connection is not ready: listening anyway, answering 503 until it is',
        );
      url = await app.listen({ host: intakeHost(config), port: config.PORT });
      if (authDisabled(config))
        logger.warn('API_KEYS is unset: auth is off and the intake listens on loopback only');
      logger.info({ url }, 'intake listening');
    }
    return { url, metricsUrl, metrics, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The deployment this process belongs to (see deployment-marker.ts). A worker whose storage
 * is another deployment's gets null: it must not consume, and says so. An intake in that
 * state must not accept anything: it fails to start.
 */
async function deploymentOf(
  config: Config,
  role: Role,
  parts: { target: RedisTarget; storage: ObjectStorage; keys: RedisKeys },
  logger: Logger,
): Promise<string | null> {
  const redis = createRedis(parts.target, 'worker', 'deployment');
  try {
    return await resolveDeployment({
      redis,
      keys: parts.keys,
      storage: parts.storage,
      storageUrl: config.STORAGE_URL,
    });
  } catch (error) {
    if (!(error instanceof DeploymentMismatchError) || role !== 'worker') throw error;
    logger.error(
      { problem: error.message, deployment: error.expected },
      'storage is not this deployment’s: refusing to consume',
    );
    return null;
  } finally {
    redis.disconnect();
  }
}
