import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './api-client.ts';
import type { Batch } from './api-schemas.ts';
import { ApiError, NetworkError } from './cli-errors.ts';
import type { OutputDownloader } from './output-downloader.ts';
import type { ProgressView } from './progress-view.ts';

/** How long polling rides out an unreachable or failing service before giving up. */
const TROUBLE_BUDGET_MS = 60_000;

export interface FollowOptions {
  /** Between polls of the batch. */
  intervalMs: number;
  view: ProgressView;
  /** Saves outputs as items finish; null when only watching. */
  downloader: OutputDownloader | null;
}

/** True once every item has finished (`completed`, or `canceled` after a batch cancel). */
export function isDone(batch: Batch): boolean {
  return batch.status === 'completed' || batch.status === 'canceled';
}

/**
 * Polls the batch until every item has finished, updating the view after each poll. With a
 * downloader, each poll that finds more items finished reads the results and saves the new
 * outputs, so files appear as items finish, not at the end. A blip (network, 5xx, 429) is
 * shown and retried for up to a minute; anything else ends the wait.
 */
export async function followBatch(
  client: ApiClient,
  batchId: string,
  options: FollowOptions,
): Promise<Batch> {
  const { view, downloader } = options;
  let collectedAt = -1;
  let nextScan = 0;
  let troubleSince: number | null = null;
  for (;;) {
    try {
      const batch = await client.getBatch(batchId);
      const done = isDone(batch);
      view.update(batch, downloader?.stats ?? null);
      const due = batch.progress.finished !== collectedAt && Date.now() >= nextScan;
      if (downloader && (due || done)) {
        const started = Date.now();
        await downloader.collect(client.results(batchId));
        collectedAt = batch.progress.finished;
        // Each scan reads every result line: on a large batch, scan less often than we poll
        // so that scanning takes at most a fifth of the time.
        nextScan = Date.now() + 4 * (Date.now() - started);
        view.update(batch, downloader.stats);
      }
      troubleSince = null;
      if (done) return batch;
    } catch (error) {
      troubleSince ??= Date.now();
      if (!isTransient(error) || Date.now() - troubleSince > TROUBLE_BUDGET_MS) throw error;
      view.log(`warning: ${(error as Error).message} Retrying…`);
    }
    await sleep(options.intervalMs);
  }
}

function isTransient(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  return error instanceof ApiError && (error.status >= 500 || error.status === 429);
}
