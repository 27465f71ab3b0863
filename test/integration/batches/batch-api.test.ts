import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../../src/shared/jobs/job-record.ts';
import { deriveSeed } from '../../../src/shared/batches/item-seeds.ts';
import { startApiHarness, type ApiHarness } from '../api/api-harness.ts';
import {
  ndjsonLines,
  stsDefaults,
  stsItem,
  TEST_WEBHOOK_SECRET,
  type BatchView,
  type ResultLine,
} from './batch-helpers.ts';

const KEY_A = 'batch-key-a-0123456789';
const KEY_B = 'batch-key-b-0123456789';

/**
 * The batch routes on the intake alone (no workers): ingest, validation, seeds, reads, control.
 * Jobs stay queued, so everything here is about what intake stores and answers.
 */
describe('batches through the API', () => {
  let api: ApiHarness;
  let upload: string;
  beforeAll(async () => {
    api = await startApiHarness({
      apiKeys: [KEY_A, KEY_B],
      env: { WEBHOOK_SECRET: TEST_WEBHOOK_SECRET },
    });
    upload = await api.upload(undefined, KEY_A);
  });
  afterAll(async () => {
    await api.close();
  });

  const post = (payload: unknown, query = '', headers: Record<string, string> = {}) =>
    api.call({
      method: 'POST',
      url: `/v1/batches${query}`,
      payload: payload as object,
      key: KEY_A,
      headers,
    });
  const get = <T>(url: string, key = KEY_A) =>
    api
      .call({ method: 'GET', url, key })
      .then((r) => ({ status: r.statusCode, body: r.json<T>() }));

  it('stores a JSON batch whole: defaults merged, custom_ids kept or generated, seeds derived', async () => {
    const response = await post({
      name: 'episode 4',
      seed: 1234,
      metadata: { project: 's01e04' },
      defaults: stsDefaults,
      items: [
        stsItem(upload, { custom_id: 'scene-1/fr' }),
        stsItem(upload),
        stsItem(upload, { custom_id: 'explicit', params: { seed: 99 } }),
      ],
    });
    expect(response.statusCode, response.body).toBe(202);
    const batch = response.json<BatchView>();
    expect(batch).toMatchObject({
      object: 'batch',
      status: 'queued',
      name: 'episode 4',
      seed: 1234,
      metadata: { project: 's01e04' },
      counts: { total: 3, queued: 3, running: 0, succeeded: 0, failed: 0, canceled: 0 },
      progress: { finished: 0, fraction: 0 },
      results_url: `/v1/batches/${batch.id}/results`,
    });
    expect(batch.id).toMatch(/^bat_/);
    expect((await api.queueCounts()).waiting).toBe(3);

    const { body: jobs } = await get<{ data: JobView[] }>(`/v1/batches/${batch.id}/jobs`);
    expect(jobs.data.map((j) => [j.custom_id, j.seed, j.batch_id])).toEqual([
      ['scene-1/fr', deriveSeed(1234, 'scene-1/fr'), batch.id],
      ['item-1', deriveSeed(1234, 'item-1'), batch.id],
      ['explicit', 99, batch.id],
    ]);
    expect(jobs.data[0]?.request).toMatchObject({
      params: { voice_id: stsDefaults.params.voice_id, seed: deriveSeed(1234, 'scene-1/fr') },
    });

    // The same batch again with the same seed: every seed and fingerprint again.
    const again = await post({
      seed: 1234,
      defaults: stsDefaults,
      items: [stsItem(upload, { custom_id: 'scene-1/fr' })],
    });
    const { body: rerun } = await get<{ data: JobView[] }>(
      `/v1/batches/${again.json<BatchView>().id}/jobs`,
    );
    expect(rerun.data[0]?.fingerprint).toBe(jobs.data[0]?.fingerprint);
  });

  it('draws and records a batch seed when none is given', async () => {
    const response = await post({
      defaults: stsDefaults,
      items: [stsItem(upload, { custom_id: 'x' })],
    });
    const batch = response.json<BatchView>();
    expect(Number.isInteger(batch.seed)).toBe(true);
    const { body } = await get<{ data: JobView[] }>(`/v1/batches/${batch.id}/jobs`);
    expect(body.data[0]?.seed).toBe(deriveSeed(batch.seed, 'x'));
  });

  it('refuses an invalid batch with every problem by item and custom_id, storing nothing', async () => {
    const otherUpload = await api.upload(undefined, KEY_B);
    const before = await api.queueCounts();
    const { body: listed } = await get<{ data: BatchView[] }>('/v1/batches');
    const response = await post({
      defaults: stsDefaults,
      webhook: { url: 'https://10.1.2.3/hook' },
      items: [
        stsItem(upload, { custom_id: 'ok' }),
        stsItem(upload, { custom_id: 'bad-seed', params: { seed: -1 } }),
        stsItem(otherUpload, { custom_id: 'theirs' }),
        stsItem(upload, { custom_id: 'ok' }),
        stsItem(upload, { custom_id: '../escape' }),
      ],
    });
    expect(response.statusCode).toBe(422);
    const { error } = response.json<{
      error: { code: string; details: { field: string; message: string }[] };
    }>();
    expect(error.code).toBe('validation_failed');
    const fields = error.details.map((d) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'webhook.url',
        'items[1].params.seed',
        'items[2].input.upload_id',
        'items[3].custom_id',
        'items[4].custom_id',
      ]),
    );
    expect(error.details.find((d) => d.field === 'items[1].params.seed')?.message).toContain(
      '"bad-seed"',
    );
    expect(await api.queueCounts()).toEqual(before);
    expect((await get<{ data: BatchView[] }>('/v1/batches')).body.data).toHaveLength(
      listed.data.length,
    );
  });

  it('validates without storing on a dry run', async () => {
    const before = await api.queueCounts();
    const response = await post(
      { defaults: stsDefaults, items: [stsItem(upload), stsItem(upload)] },
      '?dry_run=true',
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      object: 'batch_validation',
      valid: true,
      total: 2,
      types: { speech_to_speech: 2 },
      seed: null,
      // A WAV upload's duration is not known before a run: no estimate for these items.
      estimate: {
        characters: 0,
        unknown_items: 2,
        items: [
          { index: 0, custom_id: expect.any(String) as string, characters: null },
          { index: 1, custom_id: expect.any(String) as string, characters: null },
        ],
      },
    });
    expect(await api.queueCounts()).toEqual(before);
  });

  it('ingests NDJSON with batch fields in the query, and names a bad line', async () => {
    const lines = [0, 1, 2].map((i) =>
      JSON.stringify({ ...stsDefaults, ...stsItem(upload, { custom_id: `line-${i}` }) }),
    );
    const query = `?seed=7&name=ndjson&metadata=${encodeURIComponent('{"via":"ndjson"}')}`;
    const response = await post(`${lines.join('\n')}\n`, query, {
      'content-type': 'application/x-ndjson',
    });
    expect(response.statusCode, response.body).toBe(202);
    const batch = response.json<BatchView>();
    expect(batch).toMatchObject({
      seed: 7,
      name: 'ndjson',
      metadata: { via: 'ndjson' },
      counts: { total: 3 },
    });
    const { body } = await get<{ data: JobView[] }>(`/v1/batches/${batch.id}/jobs`);
    expect(body.data.map((j) => j.seed)).toEqual([0, 1, 2].map((i) => deriveSeed(7, `line-${i}`)));

    const bad = await post(`${lines[0]}\n{nope`, '', { 'content-type': 'application/x-ndjson' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      error: { code: 'invalid_json', details: [{ field: 'line 2' }] },
    });
    const misplaced = await post({ items: [stsItem(upload)], defaults: stsDefaults }, '?seed=3');
    expect(misplaced.statusCode).toBe(422);
  });

  it('pages a batch’s jobs with filters, lists batches, and streams results; others get 404', async () => {
    const items = Array.from({ length: 7 }, (_, i) => stsItem(upload, { custom_id: `p${i}` }));
    const batch = (await post({ defaults: stsDefaults, items, seed: 5 })).json<BatchView>();
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 5; page++) {
      const { body } = await get<{ data: JobView[]; next_cursor: string | null }>(
        `/v1/batches/${batch.id}/jobs?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...body.data.map((j) => j.custom_id ?? ''));
      if (!body.next_cursor) break;
      cursor = body.next_cursor;
    }
    expect(seen).toEqual(items.map((item) => item.custom_id));
    expect(
      (await get<{ data: unknown[] }>(`/v1/batches/${batch.id}/jobs?status=queued`)).body.data,
    ).toHaveLength(7);
    expect(
      (await get<{ data: unknown[] }>(`/v1/batches/${batch.id}/jobs?status=failed`)).body.data,
    ).toHaveLength(0);

    const results = await api.call({
      method: 'GET',
      url: `/v1/batches/${batch.id}/results`,
      key: KEY_A,
    });
    expect(results.headers['content-type']).toContain('application/x-ndjson');
    const lines = ndjsonLines<ResultLine>(results.body);
    expect(lines.map((l) => [l.custom_id, l.status])).toEqual(
      items.map((i) => [i.custom_id, 'queued']),
    );

    const { body: list } = await get<{ data: BatchView[] }>('/v1/batches?limit=2');
    expect(list.data[0]?.id).toBe(batch.id);
    for (const url of [
      `/v1/batches/${batch.id}`,
      `/v1/batches/${batch.id}/jobs`,
      `/v1/batches/${batch.id}/results`,
    ])
      expect((await api.call({ method: 'GET', url, key: KEY_B })).statusCode).toBe(404);
    expect(
      (await api.call({ method: 'POST', url: `/v1/batches/${batch.id}/cancel`, key: KEY_B }))
        .statusCode,
    ).toBe(404);
    expect((await get<BatchView[]>('/v1/batches', KEY_B)).body).toMatchObject({ data: [] });
  });

  it('replays an Idempotency-Key with the same body, and refuses it with another', async () => {
    const body = {
      defaults: stsDefaults,
      items: [stsItem(upload, { custom_id: 'idem' })],
      seed: 1,
    };
    const headers = { 'idempotency-key': 'batch-idem-1' };
    const first = await post(body, '', headers);
    const second = await post(body, '', headers);
    expect(second.statusCode).toBe(202);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json<BatchView>().id).toBe(first.json<BatchView>().id);
    expect((await post({ ...body, seed: 2 }, '', headers)).statusCode).toBe(409);
  });

  it('cancels a queued batch at once and retries it with the same seeds; both are safe twice', async () => {
    const items = Array.from({ length: 5 }, (_, i) => stsItem(upload, { custom_id: `c${i}` }));
    const batch = (await post({ defaults: stsDefaults, items, seed: 11 })).json<BatchView>();
    const cancel = () =>
      api.call({ method: 'POST', url: `/v1/batches/${batch.id}/cancel`, key: KEY_A });
    const canceled = await cancel();
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json()).toMatchObject({
      status: 'canceled',
      counts: { total: 5, queued: 0, canceled: 5 },
      completions: 1,
    });
    expect((await cancel()).json()).toMatchObject({ status: 'canceled', counts: { canceled: 5 } });
    for (const job of (await get<{ data: JobView[] }>(`/v1/batches/${batch.id}/jobs`)).body.data)
      expect(await api.queues.speech.getJob(job.id)).toBeUndefined();

    const retry = () =>
      api.call({ method: 'POST', url: `/v1/batches/${batch.id}/retry`, key: KEY_A });
    expect((await retry()).json()).toMatchObject({
      status: 'running',
      cancel_requested: false,
      counts: { queued: 5, canceled: 0 },
    });
    expect((await retry()).json()).toMatchObject({ counts: { queued: 5 } });
    const { body } = await get<{ data: JobView[] }>(`/v1/batches/${batch.id}/jobs`);
    expect(body.data.map((j) => j.seed)).toEqual(items.map((i) => deriveSeed(11, i.custom_id)));
    expect(body.data.every((j) => j.status === 'queued')).toBe(true);
  });

  it('documents every batch route in /openapi.json', async () => {
    const spec = (await api.call({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, object>;
    }>();
    for (const path of [
      '/v1/batches',
      '/v1/batches/{id}',
      '/v1/batches/{id}/jobs',
      '/v1/batches/{id}/results',
      '/v1/batches/{id}/cancel',
      '/v1/batches/{id}/retry',
    ])
      expect(spec.paths).toHaveProperty([path]);
  });

  it('ingests 10,000 items in one request (time logged)', async () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({
      input: { upload_id: upload },
      custom_id: `bulk/${i}`,
    }));
    const payload = JSON.stringify({ defaults: stsDefaults, seed: 3, items });
    const started = performance.now();
    const response = await api.call({
      method: 'POST',
      url: '/v1/batches',
      payload,
      key: KEY_A,
      headers: { 'content-type': 'application/json' },
    });
    const elapsed = performance.now() - started;
    // benchmarks.md B2's baseline, in the same run: a direct addBulk of 10,000 payloads.
    const baseline = new Queue('b2-baseline', { connection: api.deps.redis, prefix: api.prefix });
    const direct = performance.now();
    for (let i = 0; i < 10_000; i += 1_000)
      await baseline.addBulk(
        Array.from({ length: 1_000 }, (_, j) => ({
          name: 'speech_to_speech',
          data: { job_id: `job_${i + j}` },
          opts: { jobId: `b2-${i + j}` },
        })),
      );
    const directMs = performance.now() - direct;
    await baseline.close();
    console.log(
      `batch ingest: 10,000 items, ${(payload.length / 1e6).toFixed(1)} MB JSON, ${elapsed.toFixed(0)} ms; ` +
        `direct addBulk ${directMs.toFixed(0)} ms; ratio ${(directMs / elapsed).toFixed(2)}`,
    );
    expect(response.statusCode, response.body.slice(0, 500)).toBe(202);
    const batch = response.json<BatchView>();
    expect(batch.counts).toMatchObject({ total: 10_000, queued: 10_000 });
    const { body } = await get<BatchView>(`/v1/batches/${batch.id}`);
    expect(body.counts.queued).toBe(10_000);
  });
});
