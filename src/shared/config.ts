import { z } from 'zod';
import { metricsAuthSchema } from './metrics/metrics-auth.ts';
import { cacheGroupProblems, parseCacheGroup, type CacheGroups } from './tenants/cache-groups.ts';
import { apiKeyProblems, parseApiKeyItem, tenantsOf } from './tenants/tenant-keys.ts';
import { upstreamAccountListSchema, upstreamAccountProblems } from './tenants/upstream-accounts.ts';
import { effectivePrefix, redisNodeUrlProblem, redisTargetProblems } from './redis/redis-target.ts';
import { parseTenantWeight, type TenantWeightMap } from './tenants/tenant-weights.ts';

/**
 * The service's whole configuration, from environment variables. `loadConfig` is called once at
 * startup by each entry point; nothing else reads `process.env`. Every key has a unit and a
 * default that makes `npm start` work on a fresh machine (see "Embedded defaults" in the README).
 */

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const positiveInt = z.coerce.number().int().positive();

const apiKeyList = commaList.transform((items) => items.map(parseApiKeyItem));

const redisNodeList = commaList.superRefine((items, ctx) => {
  if (items.length === 0) ctx.addIssue({ code: 'custom', message: 'names no node' });
  for (const item of items) {
    const problem = redisNodeUrlProblem(item);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }
});

const cacheGroupList = commaList.transform((items, ctx): CacheGroups => {
  const groups = new Map<string, string[]>();
  for (const item of items) {
    const parsed = parseCacheGroup(item);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    else if (groups.has(parsed.name))
      ctx.addIssue({ code: 'custom', message: `group ${parsed.name} is given twice` });
    else groups.set(parsed.name, parsed.tenants);
  }
  return groups;
});

const tenantWeightList = commaList.transform((items, ctx): TenantWeightMap => {
  const weights = new Map<string, number>();
  for (const item of items) {
    const parsed = parseTenantWeight(item);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
    else if (weights.has(parsed.tenant))
      ctx.addIssue({ code: 'custom', message: `tenant ${parsed.tenant} is given twice` });
    else weights.set(parsed.tenant, parsed.weight);
  }
  return weights;
});

const configSchema = z
  .object({
    /** `production` refuses the in-process simulator: a missing upstream key is an error there. */
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    /** pino level. */
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    /**
     * Log lines: `json` (one object a line, for collectors), `pretty` (colored, for people;
     * multi-line messages such as the simulator banner stay readable), `auto` (default): pretty
     * when stdout is a terminal, JSON otherwise.
     */
    LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),

    /** Intake interface. Default 127.0.0.1; a non-loopback host requires API_KEYS. */
    HOST: z.string().min(1).optional(),
    /** Intake port. */
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),

    /**
     * Comma-separated `tenant:key` pairs (several keys per tenant rotate without losing
     * anything) or bare keys (each its own tenant). Unset: auth off, loopback only.
     */
    API_KEYS: apiKeyList.optional(),
    /**
     * Tenants sharing one result cache, `group:tenantA+tenantB`, comma-separated. Unset: every
     * tenant's cache is its own.
     */
    CACHE_GROUPS: cacheGroupList.optional(),
    /**
     * Tenants' weights in the fair share of an upstream account, `tenant:weight` (a positive
     * number), comma-separated: `alpha:3` serves alpha three jobs to one of each other tenant
     * with work queued. Unset, and for a tenant not listed: 1.
     */
    TENANT_WEIGHTS: tenantWeightList.optional(),
    /**
     * A cache hit is answered by the intake itself; should its process die half way, a worker
     * takes the job over after this long, ms (far above the copies and finish it waits for).
     */
    CACHE_INTAKE_RECOVERY_MS: positiveInt.default(60_000),
    /** Requests per tenant (per client address with auth off) per minute, all api processes. */
    RATE_LIMIT_PER_MINUTE: positiveInt.default(600),
    /** Jobs one tenant may have queued at once, count (a batch is admitted whole or refused). */
    MAX_QUEUED_JOBS_PER_TENANT: positiveInt.default(100_000),
    /** Key for `/admin/...` routes (queue control, dashboards). Unset: admin routes are off. */
    ADMIN_API_KEY: z.string().min(16).optional(),

    /**
     * Redis for BullMQ, one server. Unset with no cluster or Sentinel either: a private
     * redis-server child is started (data under REDIS_DATA_DIR).
     */
    REDIS_URL: z.string().url().optional(),
    /**
     * A Redis Cluster instead: comma-separated `redis://[user:pass@]host:port` (`rediss://`
     * for TLS) of some of its nodes; the first URL's credentials apply to every node.
     */
    REDIS_CLUSTER_NODES: redisNodeList.optional(),
    /**
     * A master found through Redis Sentinel instead: comma-separated
     * `redis://[user:pass@]host:port` of the Sentinels (their own credentials in the URL).
     */
    REDIS_SENTINELS: redisNodeList.optional(),
    /** The master group's name in the Sentinels' configuration; required with REDIS_SENTINELS. */
    REDIS_SENTINEL_MASTER: z.string().min(1).optional(),
    /** Password of the master and replicas Sentinel names (REDIS_SENTINELS only). */
    REDIS_PASSWORD: z.string().min(1).optional(),
    /** Data folder of the embedded redis-server (AOF on, noeviction). */
    REDIS_DATA_DIR: z.string().default('./data/redis'),
    /**
     * Prefix of every Redis key and queue name: lets several deployments share one Redis. A name
     * (`audiobatch`) or a hash tag (`{audiobatch}`). On a Redis Cluster every key of a
     * deployment must share one hash slot (BullMQ's scripts and ours touch several at once), so
     * a name without braces becomes a hash tag there: `audiobatch` → `{audiobatch}`.
     */
    QUEUE_PREFIX: z
      .string()
      .regex(/^(\{[a-zA-Z0-9_-]+\}|[a-zA-Z0-9_-]+)$/, 'must be a name or {name}')
      .default('audiobatch'),

    /** `s3://bucket/prefix` or `file:///abs/path` (`file://./rel` resolves against the cwd). */
    STORAGE_URL: z.string().default('file://./data/objects'),
    /** S3 endpoint for S3-compatible stores (MinIO, R2, …); unset = AWS. */
    S3_ENDPOINT: z.string().url().optional(),
    /**
     * The endpoint clients download presigned output URLs from, when they reach the store by
     * another name than the service does (compose: `http://localhost:9000` for
     * `http://minio:9000`); unset = S3_ENDPOINT.
     */
    S3_PUBLIC_ENDPOINT: z.string().url().optional(),
    /** S3 region. */
    S3_REGION: z.string().default('us-east-1'),
    /** Path-style bucket addressing; most self-hosted S3-compatible stores need it. */
    S3_FORCE_PATH_STYLE: booleanFromEnv.default(false),
    /**
     * When the SDK adds request checksums. WHEN_REQUIRED suits every S3-compatible store; some
     * (s3rver, older MinIO) store streamed bodies with aws-chunked framing under WHEN_SUPPORTED.
     */
    S3_CHECKSUM_MODE: z.enum(['WHEN_REQUIRED', 'WHEN_SUPPORTED']).default('WHEN_REQUIRED'),
    /** Static S3 credentials; unset = the AWS SDK's default credential chain. */
    AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
    AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    /** Lifetime of presigned output URLs, seconds. */
    PRESIGN_TTL_SECONDS: positiveInt.default(900),

    /** Upstream key. Unset: the simulator runs in-process (refused when NODE_ENV=production). */
    ELEVENLABS_API_KEY: z.string().min(1).optional(),
    /** Upstream base URL (regional and residency hosts exist). */
    ELEVENLABS_BASE_URL: z.string().url().default('https://api.elevenlabs.io'),

    /** Account-wide in-flight limit for speech-class calls (speech_to_speech, text_to_dialogue). */
    UPSTREAM_CONCURRENCY: positiveInt.default(5),
    /** Account-wide in-flight limit for music-class calls (music, music_plan, stem_separation). */
    MUSIC_CONCURRENCY: positiveInt.default(2),
    /**
     * Upstream accounts of their own for some tenants: a JSON array of `{name, api_key, tenants,
     * speech_concurrency?, music_concurrency?, base_url?}`. Each has its own queues, limits and
     * quota pause. Unset: every tenant uses the default account above.
     */
    UPSTREAM_ACCOUNTS: upstreamAccountListSchema.optional(),
    /** Jobs one worker process runs at once, per class queue. */
    WORKER_CONCURRENCY: positiveInt.default(10),

    /** Connect timeout of an upstream call, ms. */
    UPSTREAM_CONNECT_TIMEOUT_MS: positiveInt.default(10_000),
    /** Time to the response headers, ms: generation happens before them on non-stream endpoints. */
    UPSTREAM_HEADERS_TIMEOUT_MS: positiveInt.default(300_000),
    /** Longest silence while the body streams, ms: catches stalled bodies the SDKs hang on. */
    UPSTREAM_BODY_IDLE_TIMEOUT_MS: positiveInt.default(60_000),
    /** Whole attempt (request, body, storage), ms. */
    UPSTREAM_TOTAL_TIMEOUT_MS: positiveInt.default(600_000),
    /**
     * How long a worker's lock on a job lasts without renewal, ms. Renewed every half period while
     * the process lives; it only decides how soon a job held by a killed worker runs again.
     */
    WORKER_LOCK_DURATION_MS: positiveInt.default(30_000),
    /** How often workers look for jobs whose lock expired (stalled), ms. */
    WORKER_STALLED_INTERVAL_MS: positiveInt.default(15_000),
    /**
     * Stalls (lock lost: worker killed, deploy) a job survives before it fails, count. Two, so
     * two deploys in a row during one multi-minute job do not fail it.
     */
    WORKER_MAX_STALLED_COUNT: positiveInt.default(2),
    /**
     * Longest wait for a free account slot before a job goes back to the queue (no attempt
     * spent), ms. Bounds how long a job shows `running` without calling the upstream.
     */
    UPSTREAM_SLOT_WAIT_MS: positiveInt.default(60_000),
    /**
     * Longest a gateway call (the ElevenLabs routes) waits for its first upstream call, queued
     * or for a slot, before it gets the upstream's 429 `too_many_concurrent_requests` and its
     * job is canceled, ms. Default 10 min: well past an SDK's default timeout (240 s).
     */
    GATEWAY_MAX_WAIT_MS: positiveInt.default(600_000),
    /** Grace period for active jobs on SIGTERM before they are aborted back to the queue, ms. */
    SHUTDOWN_GRACE_MS: positiveInt.default(25_000),
    /** Attempts per job for retryable failures (429 concurrency refusals do not count). */
    JOB_ATTEMPTS: positiveInt.default(5),
    /** First backoff step, ms; doubles per attempt with full jitter, capped at 60 s. */
    JOB_BACKOFF_MS: positiveInt.default(2_000),

    /**
     * How long an `Idempotency-Key` is remembered, seconds; at least 24 h (clients retry a
     * failed submission for up to a day).
     */
    IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().min(86_400).default(86_400),
    /**
     * Days a finished job outside a batch, or a finished batch with its jobs, is kept (records,
     * outputs, job.json, results) before the retention sweep deletes it; fractions allowed;
     * 0 = kept forever. Default 30.
     */
    JOB_RETENTION_DAYS: z.coerce.number().min(0).default(30),
    /** Days an upload is kept after it was made (not while a job still reads it); 0 = forever. */
    UPLOAD_RETENTION_DAYS: z.coerce.number().min(0).default(7),
    /** How often the retention sweep runs (one process at a time), ms. Default one hour. */
    RETENTION_CHECK_INTERVAL_MS: positiveInt.default(3_600_000),
    /**
     * Port of the `worker` role's own `/metrics` + `/healthz` listener (on HOST). Unset: none;
     * the `all` role serves its worker metrics on the intake's `/metrics`.
     */
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    /**
     * `bearer:<token>` (16+ characters): `/metrics` of the api and of METRICS_PORT answer 401
     * without `Authorization: Bearer <token>`. Unset: `/metrics` is public. Probes stay public.
     */
    METRICS_AUTH: metricsAuthSchema.optional(),

    /** Largest accepted upload, bytes (the upstream refuses speech-to-speech input over 50 MB). */
    MAX_UPLOAD_BYTES: positiveInt.default(50 * 1024 * 1024),
    /** Allow http: and private, loopback or link-local addresses for input and webhook URLs. */
    ALLOW_PRIVATE_URLS: booleanFromEnv.default(false),

    /**
     * Standard Webhooks signing secret: `whsec_` + base64 of 24–64 random bytes. Unset: requests
     * naming a webhook are refused (422), since nothing could be signed.
     */
    WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'must be whsec_ followed by base64 (≥ 24 bytes)')
      .optional(),
    /** Delivery attempts per webhook event before it is given up, count. */
    WEBHOOK_ATTEMPTS: positiveInt.default(10),
    /** First retry delay of a failed delivery, ms; doubles per attempt, with jitter. */
    WEBHOOK_BACKOFF_MS: positiveInt.default(5_000),
    /** Time limit of one delivery attempt (connect, send, response), ms. */
    WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
    /** Deliveries one worker process sends at once. */
    WEBHOOK_CONCURRENCY: positiveInt.default(10),
    /**
     * Characters (the upstream's character-cost) a tenant may spend per UTC month; once
     * reached, its jobs start no new upstream call (in-flight ones finish) and wait, queued,
     * for the next month or a higher cap. Unset: no cap.
     */
    MAX_CHARACTERS_PER_TENANT_PER_MONTH: positiveInt.optional(),
    /**
     * The price table of estimates (`dry_run`), characters per minute of audio where the
     * upstream bills by duration. Speech-to-speech: "billed about 1,000 characters per minute"
     * (ElevenLabs docs, see docs upstream.md). Music and stems: no public per-minute figure;
     * 1,000 is what the simulator bills: set them from your plan's pricing page.
     */
    ESTIMATE_STS_CHARACTERS_PER_MINUTE: positiveInt.default(1_000),
    ESTIMATE_MUSIC_CHARACTERS_PER_MINUTE: positiveInt.default(1_000),
    ESTIMATE_STEMS_CHARACTERS_PER_MINUTE: positiveInt.default(1_000),
    /** Items per batch at most. */
    MAX_BATCH_ITEMS: positiveInt.default(50_000),
    /** Largest `POST /v1/batches` body (JSON or NDJSON), bytes; other routes keep 1 MiB. */
    MAX_BATCH_BODY_BYTES: positiveInt.default(64 * 1024 * 1024),
    /**
     * How long a batch intake may go without progress before another process takes it for
     * dead and recovers it (rolls it back, or finishes queueing it), ms. A batch's Redis
     * commands time out at half of it, 2 s at least (src/api/services/batch-connection.ts),
     * so a writer that is only slow gives up, and rolls back, before recovery would step in.
     */
    BATCH_INTAKE_LEASE_MS: positiveInt.default(30_000),
    /** How often every process looks for interrupted batch intakes to recover, ms. */
    INTAKE_RECOVERY_INTERVAL_MS: positiveInt.default(5_000),
    /**
     * Fault-suite only (refused in production): named places where the process kills itself
     * with SIGKILL, e.g. `finish-commit` or `batch-intake-chunk@2` (see crash-points.ts).
     */
    CRASH_POINTS: commaList.optional(),
  })
  .superRefine((config, ctx) => {
    if (config.NODE_ENV === 'production' && !config.ELEVENLABS_API_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['ELEVENLABS_API_KEY'],
        message: 'is required in production: the simulator only runs in development and tests',
      });
    }
    if (config.NODE_ENV === 'production' && config.CRASH_POINTS?.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['CRASH_POINTS'],
        message: 'is for the fault suite only: a production process never kills itself',
      });
    }
    for (const message of apiKeyProblems(config.API_KEYS ?? []))
      ctx.addIssue({ code: 'custom', path: ['API_KEYS'], message });
    if (config.CACHE_GROUPS) {
      for (const message of cacheGroupProblems(
        config.CACHE_GROUPS,
        tenantsOf(config.API_KEYS ?? []),
      ))
        ctx.addIssue({ code: 'custom', path: ['CACHE_GROUPS'], message });
    }
    for (const message of upstreamAccountProblems(
      config.UPSTREAM_ACCOUNTS ?? [],
      tenantsOf(config.API_KEYS ?? []),
    ))
      ctx.addIssue({ code: 'custom', path: ['UPSTREAM_ACCOUNTS'], message });
    for (const { path, message } of redisTargetProblems(config))
      ctx.addIssue({ code: 'custom', path: [path], message });
    const host = config.HOST ?? '127.0.0.1';
    if (!config.API_KEYS?.length && !isLoopbackHost(host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['HOST'],
        message: `is ${host}, a non-loopback interface, but API_KEYS is unset: never serve without auth`,
      });
    }
  })
  .transform((config) => ({ ...config, QUEUE_PREFIX: effectivePrefix(config) }));

export type Config = z.output<typeof configSchema>;

/** Thrown at startup with every problem at once, so one restart fixes them all. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses and checks the environment; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`),
    );
  }
  return parsed.data;
}

/** The interface the intake binds to: loopback unless configured (and only with auth). */
export function intakeHost(config: Config): string {
  return config.HOST ?? '127.0.0.1';
}

/** True when auth is off: no API keys configured. */
export function authDisabled(config: Config): boolean {
  return !config.API_KEYS?.length;
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
