import { setTimeout as sleep } from 'node:timers/promises';

/** The fields of a job view the bench reads. */
export interface JobView {
  id: string;
  status: string;
  cache: 'hit' | 'miss' | null;
  started_at: string | null;
  finished_at: string | null;
}

/** The fields of a batch view the bench reads. */
export interface BatchView {
  id: string;
  status: string;
  created_at: string;
  finished_at: string | null;
  counts: { total: number; succeeded: number; failed: number; canceled: number };
}

/** An answer the bench did not expect: the status says what went wrong. */
export class UnexpectedAnswerError extends Error {
  constructor(
    readonly status: number,
    what: string,
    body: string,
  ) {
    super(`${what}: HTTP ${status}: ${body.slice(0, 500)}`);
    this.name = 'UnexpectedAnswerError';
  }
}

async function send<T>(url: string, init: RequestInit, expected: number, what: string): Promise<T> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (response.status !== expected) throw new UnexpectedAnswerError(response.status, what, text);
  return JSON.parse(text) as T;
}

/** `POST /v1/batches` with `items` (and `seed`); resolves with the 202's batch view. */
export function createBatch(base: string, items: object[], seed: number): Promise<BatchView> {
  return send<BatchView>(
    `${base}/v1/batches`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items, seed }),
    },
    202,
    'POST /v1/batches',
  );
}

/**
 * {@link createBatch}, retrying a 503 ("nothing was kept, retry shortly") up to `attempts`
 * times as a client would; `refused` counts those answers, for the scenario's figures.
 */
export async function createBatchRetrying(
  base: string,
  items: object[],
  seed: number,
  attempts = 3,
): Promise<{ batch: BatchView; refused: number }> {
  for (let refused = 0; ; refused += 1) {
    try {
      return { batch: await createBatch(base, items, seed), refused };
    } catch (error) {
      const retry = error instanceof UnexpectedAnswerError && error.status === 503;
      if (!retry || refused + 1 >= attempts) throw error;
    }
  }
}

/** `POST /v1/jobs`; resolves with the 202's job view. */
export function createJob(base: string, request: object): Promise<JobView> {
  return send<JobView>(
    `${base}/v1/jobs`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    },
    202,
    'POST /v1/jobs',
  );
}

export function getJob(base: string, id: string, waitSeconds = 0): Promise<JobView> {
  return send<JobView>(`${base}/v1/jobs/${id}?wait=${waitSeconds}`, {}, 200, 'GET /v1/jobs/{id}');
}

export function getBatch(base: string, id: string): Promise<BatchView> {
  return send<BatchView>(`${base}/v1/batches/${id}`, {}, 200, 'GET /v1/batches/{id}');
}

/** Polls the batch until it is done; `onPoll` sees each view (for the progress line). */
export async function waitBatch(
  base: string,
  id: string,
  onPoll: (view: BatchView) => void = () => undefined,
): Promise<BatchView> {
  for (;;) {
    const view = await getBatch(base, id);
    onPoll(view);
    if (view.status === 'completed' || view.status === 'canceled') return view;
    await sleep(200);
  }
}

/** Every job of a batch, page by page. */
export async function batchJobs(base: string, id: string): Promise<JobView[]> {
  const jobs: JobView[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${cursor}`;
    const page: { data: JobView[]; next_cursor: string | null } = await send(
      `${base}/v1/batches/${id}/jobs?limit=100${query}`,
      {},
      200,
      'GET /v1/batches/{id}/jobs',
    );
    jobs.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return jobs;
}
