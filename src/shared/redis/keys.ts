/**
 * Every Redis key the service writes besides BullMQ's own, in one place so their shapes are
 * visible together. All start with the deployment's prefix.
 */
export function redisKeys(prefix: string) {
  return {
    job: (id: string) => `${prefix}:job:${id}`,
    upload: (id: string) => `${prefix}:upload:${id}`,
    /** The job's attempt log (a list of JSON entries), copied into job.json when it finishes. */
    jobAttempts: (id: string) => `${prefix}:job:${id}:attempts`,
    ownerJobs: (owner: string) => `${prefix}:idx:owner:${owner}:jobs`,
    ownerJobsByType: (owner: string, type: string) => `${prefix}:idx:owner:${owner}:jobs:${type}`,
    /** Workers listen here for cancels of jobs they hold (a cancel is local to its worker). */
    cancelChannel: `${prefix}:cancel`,
    /** Published when a job finishes, so `GET /v1/jobs/{id}?wait=` answers at once. */
    jobFinishedChannel: `${prefix}:job-finished`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
