import { Readable } from 'node:stream';
import type { Redis } from '../redis/connections.ts';
import type { JobStore } from '../jobs/job-store.ts';
import { redisKeys } from '../redis/keys.ts';
import type { ObjectStorage } from '../storage/object-storage.ts';
import { eventBody } from '../webhooks/webhook-events.ts';
import { enqueueDelivery, messageId } from '../webhooks/webhook-queue.ts';
import { BatchCounts } from './batch-counts.ts';
import { batchKeys, batchObjectKeys } from './batch-keys.ts';
import type { BatchResultsFile } from './batch-record.ts';
import { batchRecords, resultLine } from './batch-results.ts';
import { BatchStore, type StoredBatch } from './batch-store.ts';
import { toBatchView } from './batch-view.ts';
import type { EventQueues, FinalizePayload } from './event-queues.ts';

export interface FinalizeDeps {
  redis: Redis;
  prefix: string;
  jobs: JobStore;
  storage: ObjectStorage;
  queues: EventQueues;
}

/**
 * What a completed batch leaves: `results.ndjson` (one line per item, in item order, streamed
 * from Redis to storage a page at a time), `manifest.json` beside it, and `batch.completed` to
 * its webhook. Runs at least once per completion: every step overwrites or deduplicates, and
 * the generation is marked done last, so a crash anywhere just runs it again. A completion
 * superseded by a newer one (a retry completed again meanwhile) is skipped.
 */
export async function finalizeBatch(
  deps: FinalizeDeps,
  payload: FinalizePayload,
): Promise<'finalized' | 'skipped'> {
  const keys = batchKeys(deps.prefix);
  const store = new BatchStore(deps.redis, keys);
  const batch = await store.get(payload.batch_id);
  const due =
    batch?.state.complete &&
    batch.state.generation === payload.generation &&
    batch.state.finalized < payload.generation;
  if (!batch || !due) return 'skipped';

  const results = await writeResults(deps, batch, payload.generation);
  await store.patch(batch.record.id, { results });
  // The view as readers will see it once this completion is marked finalized, below.
  const { webhook_deliveries: _attempts, ...view } = toBatchView(
    { ...batch.record, results },
    { ...batch.state, finalized: payload.generation },
  );
  await deps.storage.put(
    batchObjectKeys.manifest(batch.record.id),
    `${JSON.stringify({ object: 'batch_manifest', batch: view, results_key: batchObjectKeys.results(batch.record.id) }, null, 2)}\n`,
    { contentType: 'application/json' },
  );
  if (batch.record.webhook) {
    await enqueueDelivery(deps.queues.webhooks, {
      message_id: messageId('batch.completed', batch.record.id, `g${payload.generation}`),
      event: 'batch.completed',
      subject: { kind: 'batch', id: batch.record.id },
      url: batch.record.webhook.url,
      body: eventBody('batch.completed', view),
    });
  }
  const counts = new BatchCounts(deps.redis, redisKeys(deps.prefix), keys);
  await counts.markFinalized(batch.record.id, payload.generation);
  return 'finalized';
}

async function writeResults(
  deps: FinalizeDeps,
  batch: StoredBatch,
  generation: number,
): Promise<BatchResultsFile> {
  let lines = 0;
  const keys = batchKeys(deps.prefix);
  async function* ndjson(): AsyncGenerator<string> {
    for await (const record of batchRecords(deps.redis, keys, deps.jobs, batch.record.id)) {
      lines++;
      // The file sits in the same storage as the outputs: it names them by key.
      yield resultLine(record, record.outputs);
    }
  }
  const stored = await deps.storage.put(
    batchObjectKeys.results(batch.record.id),
    Readable.from(ndjson()),
    { contentType: 'application/x-ndjson' },
  );
  return {
    generation,
    lines,
    bytes: stored.bytes,
    sha256: stored.sha256,
    written_at: new Date().toISOString(),
  };
}
