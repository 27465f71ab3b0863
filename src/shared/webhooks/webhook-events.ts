import type { JobRecord } from '../jobs/job-record.ts';
import type { JobStatus } from '../jobs/job-types.ts';

/** Every event a webhook receives. */
export const WEBHOOK_EVENTS = [
  'job.succeeded',
  'job.failed',
  'job.canceled',
  'batch.completed',
  /** The batch's budget (max_characters) is spent: no new upstream call until it is resumed. */
  'batch.paused',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The job event a finished status announces; null for statuses that are not final. */
export function jobEventOf(status: JobStatus): WebhookEvent | null {
  switch (status) {
    case 'succeeded':
      return 'job.succeeded';
    case 'failed':
      return 'job.failed';
    case 'canceled':
      return 'job.canceled';
    case 'queued':
    case 'running':
      return null;
  }
}

/**
 * The body every delivery carries, in the Standard Webhooks shape (`type`, `timestamp`,
 * `data`). Built once when the event happens and sent byte for byte on every attempt, so a
 * receiver deduplicating on `webhook-id` sees one event, not one per retry.
 */
export function eventBody(type: WebhookEvent, data: object, at: Date = new Date()): string {
  return JSON.stringify({ type, timestamp: at.toISOString(), data });
}

/**
 * A job event's `data`: the job as `GET /v1/jobs/{id}` shows it, minus the request (the
 * caller sent it) and output URLs (presigned URLs would expire while deliveries retry; fetch
 * the job for fresh ones).
 */
export function jobEventData(record: JobRecord): object {
  return {
    id: record.id,
    object: 'job',
    type: record.type,
    status: record.status,
    batch_id: record.batch_id,
    custom_id: record.custom_id,
    metadata: record.metadata,
    created_at: record.created_at,
    started_at: record.started_at,
    finished_at: record.finished_at,
    attempts: record.attempts,
    seed: record.seed,
    fingerprint: record.fingerprint,
    cache: record.cache,
    outputs: record.outputs.map(({ key: _key, ...output }) => output),
    upstream: record.upstream,
    error: record.error,
    result: record.result,
  };
}
