import { describe, expect, it } from 'vitest';
import { batchStateSchema, type BatchRecord } from '../../../src/shared/batches/batch-record.ts';
import { toBatchView } from '../../../src/shared/batches/batch-view.ts';

const record: BatchRecord = {
  id: 'bat_01jz0000000000000000000000',
  owner: 'local',
  name: null,
  seed: 1,
  metadata: {},
  webhook: null,
  created_at: '2025-01-01T00:00:00.000Z',
  results: null,
  max_characters: null,
  estimate: { characters: 500, unknown_items: 1 },
  webhook_deliveries: [],
  matrix: null,
};
const state = (fields: Record<string, string>) => batchStateSchema.parse(fields);

describe('batch view', () => {
  it('derives status, progress, rate and ETA from the counts alone', () => {
    expect(toBatchView(record, state({ total: '10', queued: '10' })).status).toBe('queued');
    const running = toBatchView(
      record,
      state({
        total: '10',
        queued: '4',
        running: '2',
        succeeded: '3',
        failed: '1',
        started_at: '1000',
      }),
      3_000,
    );
    expect(running).toMatchObject({
      object: 'batch',
      status: 'running',
      counts: { total: 10, queued: 4, running: 2, succeeded: 3, failed: 1, canceled: 0 },
      progress: { finished: 4, fraction: 0.4, rate_per_second: 2, eta_seconds: 3 },
      started_at: new Date(1000).toISOString(),
      finished_at: null,
    });
    expect(running).not.toHaveProperty('owner');
  });

  it('reads completed, or canceled when a cancel was asked, once every job finished and its results are written', () => {
    const finishing = {
      total: '2',
      succeeded: '1',
      canceled: '1',
      complete: '1',
      generation: '1',
      started_at: '0',
      finished_at: '2000',
    };
    // Every job finished, results not written yet: not finished as far as a reader can tell.
    expect(toBatchView(record, state(finishing))).toMatchObject({
      status: 'running',
      finished_at: null,
    });
    const done = { ...finishing, finalized: '1' };
    expect(toBatchView(record, state(done))).toMatchObject({
      status: 'completed',
      completions: 1,
      progress: { eta_seconds: 0, rate_per_second: 1 },
    });
    expect(toBatchView(record, state({ ...done, cancel_requested: '1' })).status).toBe('canceled');
  });

  it('reports the estimate beside the usage, and their difference as calls are counted', () => {
    const view = (usage: string) =>
      toBatchView(record, state({ total: '10', queued: '10', usage_characters: usage })).estimate;
    expect(view('0')).toEqual({ characters: 500, unknown_items: 1, difference: -500 });
    expect(view('620')).toEqual({ characters: 500, unknown_items: 1, difference: 120 });
    // Batches accepted before estimates were recorded have none.
    expect(toBatchView({ ...record, estimate: null }, state({ total: '1' })).estimate).toBeNull();
  });

  it('keeps its key order, which manifest.json and the batch webhooks write as it is', () => {
    expect(Object.keys(toBatchView(record, state({ total: '1' })))).toEqual([
      'id',
      'name',
      'seed',
      'metadata',
      'webhook',
      'created_at',
      'results',
      'max_characters',
      'estimate',
      'webhook_deliveries',
      'matrix',
      'object',
      'status',
      'started_at',
      'finished_at',
      'cancel_requested',
      'counts',
      'progress',
      'usage',
      'paused_reason',
      'completions',
      'results_url',
    ]);
  });
});
