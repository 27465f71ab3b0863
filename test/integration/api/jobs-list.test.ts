import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../../src/shared/jobs/job-record.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

type Page = { object: string; data: JobView[]; next_cursor: string | null };

describe('GET /v1/jobs', () => {
  let api: ApiHarness;
  let ids: string[];

  beforeAll(async () => {
    api = await startApiHarness();
    const uploadId = await api.upload();
    const body = {
      type: 'speech_to_speech',
      params: { voice_id: 'abc' },
      input: { upload_id: uploadId },
    };
    ids = [];
    for (let i = 0; i < 25; i++) {
      ids.push(
        (await api.call({ method: 'POST', url: '/v1/jobs', payload: body })).json<JobView>().id,
      );
    }
    for (const id of ids.slice(0, 3))
      await api.call({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
  });
  afterAll(async () => {
    await api.close();
  });

  it('pages newest first with a cursor until next_cursor is null', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/jobs?limit=10${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await api.call({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      const page = response.json<Page>();
      expect(page.object).toBe('list');
      sizes.push(page.data.length);
      seen.push(...page.data.map((job) => job.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect(sizes.slice(0, 2)).toEqual([10, 10]);
  });

  it('filters by status and type; defaults to 20', async () => {
    const canceled = (
      await api.call({ method: 'GET', url: '/v1/jobs?status=canceled' })
    ).json<Page>();
    expect(canceled.data.map((job) => job.id)).toEqual(ids.slice(0, 3).reverse());
    const queued = await api.call({
      method: 'GET',
      url: '/v1/jobs?status=queued&type=speech_to_speech&limit=100',
    });
    expect(queued.json<Page>().data).toHaveLength(22);
    expect((await api.call({ method: 'GET', url: '/v1/jobs' })).json<Page>().data).toHaveLength(20);
  });

  it('filters by type from the one owner index (no index by type is written)', async () => {
    const dialogue = (
      await api.call({
        method: 'POST',
        url: '/v1/jobs',
        payload: {
          type: 'text_to_dialogue',
          params: { inputs: [{ text: 'Hello there.', voice_id: 'JBFqnCBsd6RMkjVDRZzb' }] },
        },
      })
    ).json<JobView>();
    const page = (
      await api.call({ method: 'GET', url: '/v1/jobs?type=text_to_dialogue&limit=5' })
    ).json<Page>();
    expect(page.data.map((job) => job.id)).toEqual([dialogue.id]);
    expect(page.next_cursor).toBeNull();
    const older = (
      await api.call({ method: 'GET', url: `/v1/jobs?type=speech_to_speech&limit=2` })
    ).json<Page>();
    expect(older.data.map((job) => job.id)).toEqual(ids.slice(-2).reverse());
    const byType = await api.deps.redis.keys(`${api.prefix}:idx:owner:*:jobs:*`);
    expect(byType).toEqual([]);
    await api.call({ method: 'POST', url: `/v1/jobs/${dialogue.id}/cancel` });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['status=done', 'status'],
    ['type=music_video', 'type'],
    ['cursor=abc', 'cursor'],
    ['sort=asc', 'sort'],
  ])('refuses %s naming %s', async (query, field) => {
    const response = await api.call({ method: 'GET', url: `/v1/jobs?${query}` });
    expect(response.statusCode).toBe(422);
    const { error } = response.json<{ error: { details: { field: string }[] } }>();
    expect(error.details.map((detail) => detail.field)).toEqual([field]);
  });

  it('answers 404 for the jobs of a batch that is not the caller’s (or does not exist)', async () => {
    const response = await api.call({
      method: 'GET',
      url: '/v1/jobs?batch_id=bat_01jabcdefghjkmnpqrstvwxyz0',
    });
    expect(response.statusCode).toBe(404);
  });
});
