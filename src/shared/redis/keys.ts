/**
 * Every Redis key the service writes besides BullMQ's own, in one place so their shapes are
 * visible together. All start with the deployment's prefix, and must: on a Redis Cluster the
 * prefix is a hash tag (`{audiobatch}`, see redis-target.ts), which is what lets one script or
 * MULTI combine any of these keys with each other and with BullMQ's.
 */
export function redisKeys(prefix: string) {
  return {
    /** The deployment these keys belong to (deployment-marker.ts): one id, also in storage. */
    deployment: `${prefix}:deployment`,
    /**
     * Batch intakes in progress: batch id → the ms by which its writer must show progress.
     * Any process finding one past its deadline recovers it (batch-intake-recovery.ts).
     */
    intakes: `${prefix}:intakes`,
    job: (id: string) => `${prefix}:job:${id}`,
    upload: (id: string) => `${prefix}:upload:${id}`,
    /** The jobs whose input is the upload (a set of job ids): what makes it "in use". */
    uploadJobs: (id: string) => `${prefix}:upload:${id}:jobs`,
    /** Every upload, scored by its creation (ms): what UPLOAD_RETENTION_DAYS reads. */
    uploadsByAge: `${prefix}:idx:uploads`,
    /** An owner's uploads (ids, score 0: lexical = creation order), for `GET /v1/uploads`. */
    ownerUploads: (owner: string) => `${prefix}:idx:owner:${owner}:uploads`,
    /**
     * An owner's uploads of the same bytes (ids, score 0), for `GET /v1/uploads?sha256=`: how
     * the CLI finds an input it uploaded before instead of sending it again.
     */
    ownerUploadsBySha256: (owner: string, sha256: string) =>
      `${prefix}:idx:owner:${owner}:uploads:sha256:${sha256}`,
    /**
     * Finished jobs outside a batch, scored by finished_at (ms): what JOB_RETENTION_DAYS reads.
     * Written by the finish's commit; a job retried since is skipped (and dropped) by the sweep.
     */
    finishedJobs: `${prefix}:idx:finished:jobs`,
    /** The job's attempt log (a list of JSON entries), copied into job.json when it finishes. */
    jobAttempts: (id: string) => `${prefix}:job:${id}:attempts`,
    /** Every upstream call of the job (a list of JSON entries), copied into job.json. */
    jobCalls: (id: string) => `${prefix}:job:${id}:calls`,
    /** A tenant's usage on one UTC day (YYYY-MM-DD): totals, and per type and per batch. */
    tenantUsageDay: (tenant: string, day: string) => `${prefix}:usage:${tenant}:day:${day}`,
    /** A tenant's usage in one UTC month (YYYY-MM): what its monthly cap is checked against. */
    tenantUsageMonth: (tenant: string, month: string) => `${prefix}:usage:${tenant}:month:${month}`,
    /** An owner's jobs (ids, score 0: lexical = creation order), for `GET /v1/jobs`. */
    ownerJobs: (owner: string) => `${prefix}:idx:owner:${owner}:jobs`,
    /**
     * An owner's jobs of one type: written by releases before record version 6 only (`?type=`
     * now filters the owner's index). Deletion still removes a job's entry from it.
     */
    legacyOwnerJobsByType: (owner: string, type: string) =>
      `${prefix}:idx:owner:${owner}:jobs:${type}`,
    /**
     * A gateway stream call's upstream answer as it arrives (answer-tee.ts): a Redis stream of
     * head / data / end / error entries the gateway reads with XREAD (streamed-answer.ts).
     */
    gatewayAnswer: (jobId: string) => `${prefix}:gateway:answer:${jobId}`,
    /**
     * Set once a gateway call's job got an account slot and sent its first upstream call
     * (gateway-slot-mark.ts): what ends its GATEWAY_MAX_WAIT_MS wait.
     */
    gatewaySent: (jobId: string) => `${prefix}:gateway:sent:${jobId}`,
    /** Workers listen here for cancels of jobs they hold (a cancel is local to its worker). */
    cancelChannel: `${prefix}:cancel`,
    /**
     * Held (by a step job's id, expiring) while one step of a dub computes a fingerprint's
     * answer in a cache scope: a second step of the same fingerprint waits for that answer
     * instead of calling the upstream too.
     */
    dubStepLock: (scope: string, fingerprint: string) =>
      `${prefix}:dub-step:${scope}:${fingerprint.replace(/^sha256:/, '')}`,
    /**
     * A fingerprint's cache hint in a cache scope (cache-hints.ts): the job id whose finish
     * pointed the storage cache at it. Lets a batch intake find its hits in one MGET.
     */
    cacheHint: (scope: string, fingerprint: string) =>
      `${prefix}:cache-hint:${scope}:${fingerprint.replace(/^sha256:/, '')}`,
    /** Published when a job finishes, so `GET /v1/jobs/{id}?wait=` answers at once. */
    jobFinishedChannel: `${prefix}:job-finished`,
    /**
     * Account-wide upstream slots of a class: leases scored by their expiry (ms, Redis clock).
     * This key and the next three take a class queue id (queues.ts `classQueueId`): `speech`
     * for the default account, `speech.<account>` for the others.
     */
    upstreamSlots: (classQueueId: string) => `${prefix}:slots:${classQueueId}`,
    /** Published (with the class queue id) when a slot is freed, so waiters try again at once. */
    slotReleasedChannel: `${prefix}:slots:released`,
    /** Why a class queue is paused (e.g. quota_exceeded): set by a worker, cleared on resume. */
    queuePause: (classQueueId: string) => `${prefix}:paused:${classQueueId}`,
    /**
     * Fair share of a BullMQ queue (by its name, `jobs-speech`…) between tenants: tenant → its
     * virtual clock, and `#queue` → the queue's (queue/fair-share.ts).
     */
    fairShareClocks: (queueName: string) => `${prefix}:fairshare:${queueName}`,
    /** Heartbeats of the worker processes consuming a class queue: instance id → JSON. */
    workerHeartbeats: (classQueueId: string) => `${prefix}:workers:${classQueueId}`,
    /**
     * A tenant's queued jobs (a set of job ids), for MAX_QUEUED_JOBS_PER_TENANT. Kept in step
     * with job statuses by JobStore.transition, which builds the key from this prefix.
     */
    tenantQueued: (tenant: string) => `${prefix}:tenant:${tenant}:queued`,
    tenantPrefix: `${prefix}:tenant:`,
    /** What scripts build a batch's keys from (batch-keys.ts): `<batchPrefix><id>:state`. */
    batchPrefix: `${prefix}:batch:`,
    /** Held while (and a little after) a tenant's queued set is swept, so sweeps stay rare. */
    tenantSweep: (tenant: string) => `${prefix}:tenant:${tenant}:swept`,
    /** The request rate limiter's counters (@fastify/rate-limit's Redis store). */
    rateLimitPrefix: `${prefix}:ratelimit:`,
    /** An Idempotency-Key's record, per owner and route; the client's key is hashed. */
    idempotency: (owner: string, scope: string, keyHash: string) =>
      `${prefix}:idem:${owner}:${scope}:${keyHash}`,
    /** The idempotency key (its Redis key) that created a job or batch: deleted with it. */
    idempotencyOf: (resourceId: string) => `${prefix}:idem-of:${resourceId}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
