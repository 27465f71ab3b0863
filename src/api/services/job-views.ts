import { basename } from 'node:path';
import type { Config } from '../../shared/config.ts';
import type { JobRecord, JobView, StoredOutput } from '../../shared/jobs/job-record.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';

/** Where a client downloads an output: a presigned URL (S3) or this API's output route. */
export type OutputUrl = (record: JobRecord, output: StoredOutput) => Promise<string>;

/** The public view of a job record: no owner, storage keys or internal flags. */
export async function toJobView(record: JobRecord, outputUrl: OutputUrl): Promise<JobView> {
  const {
    owner: _owner,
    input: _input,
    outputs,
    cancel_requested: _cancel,
    record_version: _version,
    run_id: _run,
    finishing: _finishing,
    deployment: _deployment,
    cache_scope: _scope,
    ...rest
  } = record;
  return {
    ...rest,
    object: 'job',
    outputs: await Promise.all(
      outputs.map(async (output) => {
        const { key: _key, ...shown } = output;
        return { ...shown, url: await outputUrl(record, output) };
      }),
    ),
  };
}

/** The file name a download suggests: job id plus the object's own name (`job_…-audio.mp3`). */
export function outputFileName(record: JobRecord, output: StoredOutput): string {
  return `${record.id}-${basename(output.key)}`;
}

/** The API path serving an output's bytes (file driver, or whenever presigning is unavailable). */
export function outputRoute(jobId: string, name: string): string {
  return `/v1/jobs/${encodeURIComponent(jobId)}/outputs/${encodeURIComponent(name)}`;
}

/** Presigned URLs when the driver can sign them, the output route otherwise. */
export function createOutputUrl(storage: ObjectStorage, config: Config): OutputUrl {
  return async (record, output) => {
    const signed = await storage.presignGet(output.key, {
      expiresInSeconds: config.PRESIGN_TTL_SECONDS,
      fileName: outputFileName(record, output),
    });
    return signed ?? outputRoute(record.id, output.name);
  };
}
