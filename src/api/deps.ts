import type { Redis } from '../shared/redis/connections.ts';
import type { Config } from '../shared/config.ts';
import type { JobStore } from '../shared/jobs/job-store.ts';
import type { Logger } from '../shared/logger.ts';
import type { HostResolver } from '../shared/net/host-resolver.ts';
import type { Metrics } from '../shared/metrics/metrics.ts';
import type { AccountQueues } from '../shared/queue/account-queues.ts';
import type { RedisKeys } from '../shared/redis/keys.ts';
import type { ObjectStorage } from '../shared/storage/object-storage.ts';
import type { UploadStore } from '../shared/uploads/upload-store.ts';

/**
 * Everything the intake needs, created and closed by the caller (the process bootstrap or a
 * test harness): `buildApp` only borrows these. The one connection it opens itself, the
 * `?wait=` subscriber, it duplicates from `redis` and closes on `app.close()`.
 */
export interface ApiDeps {
  config: Config;
  logger: Logger;
  /** The intake's fail-fast connection (`createRedis(url, 'intake', …)`): Redis trouble → 503. */
  redis: Redis;
  jobs: JobStore;
  uploads: UploadStore;
  /** Producer queues, on the same fail-fast connection. */
  queues: AccountQueues;
  storage: ObjectStorage;
  keys: RedisKeys;
  /** The deployment this intake accepts for (see deployment-marker.ts): stamped on every job. */
  deployment: string;
  /** DNS for the URL checks at intake; the system resolver when absent (tests bring a table). */
  resolveHost?: HostResolver;
  /** Where `/metrics` and the intake's counters go; a fresh registry when absent. */
  metrics?: Metrics;
}
