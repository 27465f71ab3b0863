import { newId } from '../ids.ts';
import { UNKNOWN_ESTIMATE } from '../usage/estimate.ts';
import { NO_USAGE } from '../usage/usage.ts';
import { computeFingerprint } from './fingerprint.ts';
import type { JobRequest } from './job-request.ts';
import { JOB_RECORD_VERSION, type JobRecord, type ResolvedInput } from './job-record.ts';
import type { JobSource } from './job-source.ts';
import { withSeed } from './seed-policy.ts';

/** What a fresh job is made of; the intakes differ only in where the seed comes from. */
export interface NewJob {
  /** Given when the caller had to know it first (a batch admits its ids before writing). */
  id?: string;
  owner: string;
  /** The owner's cache scope: its own, or its cache group's (tenants/cache-groups.ts). */
  cacheScope: string;
  request: JobRequest;
  /** Fixed by the intake: a single job's own or random one, a batch item's derived one. */
  seed: number | null;
  input: ResolvedInput | null;
  batchId: string | null;
  /** Absent: `batch` for a batch item, `api` otherwise. */
  source?: JobSource;
  createdAt: string;
  /** The accepting deployment: only its workers may run the job. */
  deployment: string;
  /** What the request should cost (estimate.ts), characters; null when unknown. */
  estimate: number | null;
}

/**
 * The one record builder: a fresh `queued` record for an accepted request, single job or batch
 * item alike. Ids are monotonic, so a batch's job index sorts in item order.
 */
export function newJobRecord(job: NewJob): JobRecord {
  // The seed goes into the normalized request too, so a rerun of `request` is this job.
  const request = withSeed(job.request, job.seed);
  const input = job.input;
  return {
    record_version: JOB_RECORD_VERSION,
    id: job.id ?? newId('job'),
    owner: job.owner,
    type: request.type,
    status: 'queued',
    batch_id: job.batchId,
    source: job.source ?? (job.batchId === null ? 'api' : 'batch'),
    custom_id: request.custom_id ?? null,
    metadata: request.metadata ?? {},
    created_at: job.createdAt,
    started_at: null,
    finished_at: null,
    attempts: 0,
    seed: job.seed,
    // A URL input is hashed by the worker once fetched; it fills the fingerprint in then.
    fingerprint: input?.url ? null : computeFingerprint(request, job.seed, input?.sha256 ?? null),
    cache: null,
    cache_scope: job.cacheScope,
    request,
    input,
    outputs: [],
    upstream: null,
    error: null,
    usage: NO_USAGE,
    estimate: job.estimate === null ? UNKNOWN_ESTIMATE : { characters: job.estimate },
    result: null,
    cancel_requested: false,
    run_id: null,
    runs: 0,
    takeovers: 0,
    finishing: null,
    deployment: job.deployment,
  };
}
