import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { z } from 'zod';
import {
  batchDryRunSchema,
  batchListSchema,
  batchSchema,
  errorEnvelopeSchema,
  jobListSchema,
  jobSchema,
  resultLineSchema,
  uploadListSchema,
  uploadSchema,
  type Batch,
  type BatchDryRun,
  type Job,
  type ResultLine,
  type Upload,
} from './api-schemas.ts';
import type { JobStatus, JobType } from '../shared/jobs/job-types.ts';
import type { CliConfig } from './cli-config.ts';
import { ApiError, NetworkError } from './cli-errors.ts';

/** A JSON call's whole budget: the API answers in milliseconds unless something is wrong. */
const JSON_TIMEOUT_MS = 60_000;
/** An upload or a download streams up to 50 MB; a slow link still finishes within this. */
const TRANSFER_TIMEOUT_MS = 15 * 60_000;

/**
 * The audiobatch REST API as the CLI uses it: fetch, the bearer key when configured, error
 * envelopes turned into ApiError and unreachable hosts into NetworkError.
 */
export class ApiClient {
  constructor(private readonly config: CliConfig) {}

  get baseUrl(): string {
    return this.config.baseUrl;
  }

  /** Streams a local file to `POST /v1/uploads`. */
  async upload(path: string, contentType: string): Promise<Upload> {
    const body = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
    return this.json('POST', '/v1/uploads', uploadSchema, {
      body,
      headers: { 'content-type': contentType },
      duplex: 'half',
      signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS),
    });
  }

  /**
   * The caller's newest upload of these bytes, or null: `GET /v1/uploads?sha256=`. A service
   * from before that route (404) has none to offer, so the file is simply uploaded.
   */
  async findUpload(sha256: string): Promise<Upload | null> {
    const params = new URLSearchParams({ sha256, limit: '1' });
    try {
      const page = await this.json('GET', `/v1/uploads?${params.toString()}`, uploadListSchema);
      return page.data[0] ?? null;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
      throw error;
    }
  }

  /** `POST /v1/batches` with a JSON body. */
  createBatch(submission: object): Promise<Batch> {
    return this.json('POST', '/v1/batches', batchSchema, {
      body: JSON.stringify(submission),
      headers: { 'content-type': 'application/json' },
    });
  }

  /** `POST /v1/batches?dry_run=true`: validated and estimated, nothing stored. */
  dryRunBatch(submission: object): Promise<BatchDryRun> {
    return this.json('POST', '/v1/batches?dry_run=true', batchDryRunSchema, {
      body: JSON.stringify(submission),
      headers: { 'content-type': 'application/json' },
    });
  }

  getBatch(id: string): Promise<Batch> {
    return this.json('GET', `/v1/batches/${encodeURIComponent(id)}`, batchSchema);
  }

  listBatches(query: { limit: number; cursor?: string | undefined }) {
    const params = new URLSearchParams({ limit: String(query.limit) });
    if (query.cursor) params.set('cursor', query.cursor);
    return this.json('GET', `/v1/batches?${params.toString()}`, batchListSchema);
  }

  /** A page of `GET /v1/jobs`: newest first, or a batch's jobs in item order. */
  listJobs(query: {
    limit: number;
    cursor?: string | undefined;
    status?: JobStatus | undefined;
    type?: JobType | undefined;
    batch?: string | undefined;
  }) {
    const params = new URLSearchParams({ limit: String(query.limit) });
    if (query.status) params.set('status', query.status);
    if (query.type) params.set('type', query.type);
    if (query.batch) params.set('batch_id', query.batch);
    if (query.cursor) params.set('cursor', query.cursor);
    return this.json('GET', `/v1/jobs?${params.toString()}`, jobListSchema);
  }

  /** `POST /v1/batches/{id}/cancel`: queued jobs canceled, running ones aborted. */
  cancelBatch(id: string): Promise<Batch> {
    return this.json('POST', `/v1/batches/${encodeURIComponent(id)}/cancel`, batchSchema);
  }

  /** `POST /v1/batches/{id}/retry`: failed and canceled jobs queued again. */
  retryBatch(id: string): Promise<Batch> {
    return this.json('POST', `/v1/batches/${encodeURIComponent(id)}/retry`, batchSchema);
  }

  getJob(id: string): Promise<Job> {
    return this.json('GET', `/v1/jobs/${encodeURIComponent(id)}`, jobSchema);
  }

  /** Every job of the batch in item order, a page of 100 at a time. */
  async *batchJobs(id: string): AsyncGenerator<Job> {
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams({ limit: '100' });
      if (cursor) params.set('cursor', cursor);
      const path = `/v1/batches/${encodeURIComponent(id)}/jobs?${params.toString()}`;
      const page = await this.json('GET', path, jobListSchema);
      yield* page.data;
      cursor = page.next_cursor;
    } while (cursor);
  }

  /** The batch's result lines, parsed as they stream in (never the whole body in memory). */
  async *results(id: string): AsyncGenerator<ResultLine> {
    for await (const line of this.resultLines(id)) yield resultLineSchema.parse(JSON.parse(line));
  }

  /** The batch's result lines as the service wrote them (NDJSON), one at a time. */
  async *resultLines(id: string): AsyncGenerator<string> {
    const response = await this.send('GET', `/v1/batches/${encodeURIComponent(id)}/results`, {
      signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS),
    });
    if (!response.body) return;
    let pending = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) yield line;
    }
    pending += decoder.decode();
    if (pending.trim()) yield pending;
  }

  /**
   * An output's bytes. `url` is the API's output route (relative) or a presigned URL: the key
   * goes only to the API, and a redirect is followed without it, since a presigned URL carries
   * its own authorization and must not receive ours.
   */
  async download(url: string): Promise<Response> {
    const ours = url.startsWith('/');
    let response = ours
      ? await this.send('GET', url, {
          redirect: 'manual',
          signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS),
        })
      : await this.fetchOrThrow(url, { signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS) });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      response = await this.fetchOrThrow(new URL(location, this.baseUrl).href, {
        signal: AbortSignal.timeout(TRANSFER_TIMEOUT_MS),
      });
    }
    if (!response.ok) throw await toApiError(response);
    return response;
  }

  private async json<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    init: RequestInit = {},
  ): Promise<z.infer<S>> {
    const response = await this.send(method, path, {
      signal: AbortSignal.timeout(JSON_TIMEOUT_MS),
      ...init,
    });
    return schema.parse(await response.json());
  }

  /** A request to the API; any status but 2xx/3xx becomes an ApiError. */
  private async send(method: string, path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.config.apiKey) headers.set('authorization', `Bearer ${this.config.apiKey}`);
    const response = await this.fetchOrThrow(`${this.config.baseUrl}${path}`, {
      ...init,
      method,
      headers,
    });
    if (response.status >= 400) throw await toApiError(response);
    return response;
  }

  private async fetchOrThrow(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (error) {
      throw new NetworkError(this.config.baseUrl, error);
    }
  }
}

/** The error envelope of a failed response, or what can be said without one. */
async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: a proxy's page or a storage error; described by its status below.
  }
  const envelope = errorEnvelopeSchema.safeParse(parsed);
  if (envelope.success) {
    const { code, message, details, request_id } = envelope.data.error;
    return new ApiError(response.status, code, message, details, request_id ?? null);
  }
  const snippet = text.slice(0, 200).replace(/\s+/g, ' ').trim();
  const message = `Unexpected HTTP ${response.status} from ${new URL(response.url).host}`;
  return new ApiError(
    response.status,
    'http_error',
    snippet ? `${message}: ${snippet}` : message,
    [],
    null,
  );
}
