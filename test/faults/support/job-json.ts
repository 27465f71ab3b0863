import type { Cluster } from './cluster.ts';

/** One attempt as job.json records it. */
export interface RecordedAttempt {
  attempt: number;
  started_at: string;
  finished_at: string;
  outcome: string;
  upstream_status: number | null;
  upstream_code: string | null;
  error: string | null;
}

/** The attempts of a finished job, from its job.json in storage. */
export async function recordedAttempts(
  cluster: Cluster,
  jobId: string,
): Promise<RecordedAttempt[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of await cluster.storage.get(`jobs/${jobId}/job.json`)) {
    chunks.push(chunk as Buffer);
  }
  const document = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    attempts: RecordedAttempt[];
  };
  return document.attempts;
}

/** Milliseconds an attempt lasted. */
export function attemptDurationMs(attempt: RecordedAttempt): number {
  return Date.parse(attempt.finished_at) - Date.parse(attempt.started_at);
}
