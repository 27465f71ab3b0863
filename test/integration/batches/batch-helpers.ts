import { randomBytes } from 'node:crypto';
import type { BatchView } from '../../../src/shared/batches/batch-record.ts';
import { waitUntil } from '../../support/eventually.ts';

/** A Standard Webhooks secret for tests. */
export const TEST_WEBHOOK_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

export const VOICE = 'JBFqnCBsd6RMkjVDRZzb';

/** A speech_to_speech item on `uploadId`. */
export function stsItem<E extends object = object>(uploadId: string, extra?: E) {
  return { input: { upload_id: uploadId }, ...(extra as E) };
}

/** Defaults making every item a speech_to_speech job on VOICE with raw PCM output. */
export const stsDefaults = {
  type: 'speech_to_speech',
  params: { voice_id: VOICE, output_format: 'pcm_16000' },
};

/** One result line of `GET /v1/batches/{id}/results`. */
export interface ResultLine {
  custom_id: string;
  job_id: string;
  status: string;
  seed: number | null;
  fingerprint: string | null;
  outputs: { name: string; sha256: string; bytes: number; url?: string; key?: string }[];
  error: { code: string } | null;
}

export type { BatchView };

/** NDJSON text → objects. */
export function ndjsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);
}

/** Something that answers HTTP: an e2e TestService. */
interface Service {
  json<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  request(path: string, init?: RequestInit): Promise<Response>;
}

/** POSTs a JSON batch and expects 202. */
export async function submitBatch(service: Service, body: object): Promise<BatchView> {
  const { status, body: batch } = await service.json<BatchView>('/v1/batches', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (status !== 202) throw new Error(`batch refused (${status}): ${JSON.stringify(batch)}`);
  return batch;
}

/** Polls the batch until `done` holds (default: finished and its results file written). */
export async function waitForBatch(
  service: Service,
  id: string,
  done: (batch: BatchView) => boolean = (b) =>
    b.finished_at !== null && b.results?.generation === b.completions,
  timeoutMs = 120_000,
): Promise<BatchView> {
  let batch: BatchView | undefined;
  await waitUntil(
    'the batch is done',
    async () => done((batch = (await service.json<BatchView>(`/v1/batches/${id}`)).body)),
    { timeoutMs, intervalMs: 100 },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}: ${JSON.stringify(batch)}`);
  });
  return batch!;
}

/** The batch's result lines, by custom_id. */
export async function resultsOf(service: Service, id: string): Promise<Map<string, ResultLine>> {
  const response = await service.request(`/v1/batches/${id}/results`);
  const lines = ndjsonLines<ResultLine>(await response.text());
  return new Map(lines.map((line) => [line.custom_id, line]));
}
