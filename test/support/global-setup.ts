import type { TestProject } from 'vitest/node';
import { startTestRedis } from './redis.ts';
import { s3ServerInfoOf, startS3Server, type S3ServerInfo } from './s3-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's shared Redis; tests isolate themselves with a unique key/queue prefix. */
    redisUrl: string;
    /** The run's shared S3 API; tests isolate themselves with a unique key prefix. */
    s3: S3ServerInfo;
  }
}

/**
 * Starts one Redis and one S3 server for the whole integration run (starting them per file
 * would cost seconds each on two cores) and stops both when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [redis, s3] = await Promise.allSettled([startTestRedis(), startS3Server()]);
  if (redis.status === 'rejected' || s3.status === 'rejected') {
    await Promise.allSettled([
      redis.status === 'fulfilled' ? redis.value.stop() : undefined,
      s3.status === 'fulfilled' ? s3.value.stop() : undefined,
    ]);
    throw redis.status === 'rejected' ? redis.reason : (s3 as PromiseRejectedResult).reason;
  }
  project.provide('redisUrl', redis.value.url);
  project.provide('s3', s3ServerInfoOf(s3.value));
  return async () => {
    await Promise.allSettled([redis.value.stop(), s3.value.stop()]);
  };
}
