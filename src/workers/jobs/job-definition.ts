import type { Logger } from '../../shared/logger.ts';
import type { JobRecord, StoredOutput } from '../../shared/jobs/job-record.ts';
import type { JobRequest } from '../../shared/jobs/job-request.ts';
import type { JobType } from '../../shared/jobs/job-types.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';
import type { FlowContext } from '../dub/dub-flow.ts';
import type { UpstreamCall, UpstreamResponse } from '../upstream/upstream-client.ts';

/** The request of one job type, narrowed from the union. */
export type RequestOf<T extends JobType> = Extract<JobRequest, { type: T }>;

/** Everything a job module may use; it reaches nothing else. */
export interface JobContext<T extends JobType> {
  job: JobRecord & { request: RequestOf<T> };
  seed: number | null;
  /** Storage key of the input audio, for types that take one. */
  inputKey: string | null;
  inputBytes: number | null;
  inputContentType: string | null;
  /** Where this run writes its outputs: its own folder, `jobs/{job_id}/runs/{run_id}/`. */
  outputFolder: string;
  storage: ObjectStorage;
  /** Calls the upstream; the processor records each call in the attempt log. */
  callUpstream(call: Omit<UpstreamCall, 'signal'>): Promise<UpstreamResponse>;
  /** Aborted on cancel, on the attempt's timeout and on shutdown. */
  signal: AbortSignal;
  logger: Logger;
  /** The BullMQ job under which a type runs child jobs (a dub's steps); null for a step. */
  flow: FlowContext | null;
}

export interface JobOutcome {
  outputs: StoredOutput[];
  /** Upstream endpoint template, as the job reports it. */
  endpoint: string;
  /** A small JSON answer shown inline on the job (music plans). */
  result?: unknown;
}

export interface JobDefinition<T extends JobType> {
  type: T;
  /** The upstream endpoint template this request goes to. */
  endpoint(request: RequestOf<T>): string;
  run(context: JobContext<T>): Promise<JobOutcome>;
}
