import { createHash } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { expect } from 'vitest';
import { sineWav } from './audio-fixtures.ts';
import type { TestService } from './service-harness.ts';

/** A job as `GET /v1/jobs/{id}` shows it, as far as the end-to-end tests read it. */
export type Job = {
  id: string;
  status: string;
  seed: number;
  attempts: number;
  cache: string | null;
  fingerprint: string | null;
  outputs: {
    name: string;
    bytes: number;
    sha256: string;
    duration_ms: number | null;
    url?: string;
    content_type: string;
  }[];
  upstream: {
    calls: number;
    request_id: string | null;
    endpoint: string;
    character_cost?: number | null;
  } | null;
  error: {
    code: string;
    upstream_status: number | null;
    upstream_code: string | null;
    retryable: boolean;
  } | null;
  result?: unknown;
};

/** Uploads `body` (default: 2 s of a sine tone as WAV) and returns the upload id. */
export async function upload(service: TestService, body: Buffer = sineWav(2)): Promise<string> {
  const { status, body: created } = await service.json<{ id: string }>('/v1/uploads', {
    method: 'POST',
    headers: { 'content-type': 'audio/wav' },
    body,
  });
  expect(status).toBe(201);
  return created.id;
}

/**
 * What a job submission should answer: 202 queued, 200 for a request the cache answers at
 * intake (the job finished already), or `either` for a reference run that may be a hit.
 */
export type SubmitStatus = 200 | 202 | 'either';

/** Answers a submission takes before its 503 counts as the answer. */
const SUBMIT_ATTEMPTS = 3;

/**
 * POSTs a JSON job request and expects `expected` (default 202). A 503 is the intake saying
 * "overloaded, retry after Retry-After" (a Redis command past the intake's 2 s timeout, as a
 * test process starved of CPU on a loaded machine meets): the request is sent again after that
 * wait, as the answer asks of a client, a few times at most.
 */
export async function submit(
  service: TestService,
  request: object,
  expected: SubmitStatus = 202,
): Promise<Job> {
  for (let attempt = 1; ; attempt++) {
    const response = await service.request('/v1/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    const body = (await response.json()) as Job;
    if (response.status === 503 && attempt < SUBMIT_ATTEMPTS) {
      await setTimeout(Number(response.headers.get('retry-after') ?? '1') * 1_000);
      continue;
    }
    if (expected === 'either') expect([200, 202], JSON.stringify(body)).toContain(response.status);
    else expect(response.status, JSON.stringify(body)).toBe(expected);
    return body;
  }
}

/** Long-polls the job until it is finished. */
export async function waitFinished(service: TestService, id: string): Promise<Job> {
  for (let i = 0; i < 30; i++) {
    const { body } = await service.json<Job>(`/v1/jobs/${id}?wait=10`);
    if (['succeeded', 'failed', 'canceled'].includes(body.status)) return body;
  }
  throw new Error(`job ${id} did not finish`);
}

/** An output's bytes, following the presigned redirect of S3 storage. */
export async function download(service: TestService, job: Job, name = 'audio'): Promise<Buffer> {
  let response = await service.request(`/v1/jobs/${job.id}/outputs/${name}`);
  if (response.status === 302) response = await fetch(response.headers.get('location') as string);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
