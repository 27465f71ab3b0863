import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

const KEY = 'alpha:alpha-key-0123456789abcdef';
const ADMIN = 'admin-0123456789abcdef';
const BEARER = 'alpha-key-0123456789abcdef';

type BoardQueues = { queues: { name: string; jobs: { id: string; name: string }[] }[] };

/**
 * The bull-board dashboard (/admin/queues): each work item is named after what it is
 * (type · tenant · batch), and the page loads nothing from the internet.
 */
describe('the queue board', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness({ apiKeys: [KEY], env: { ADMIN_API_KEY: ADMIN } });
  });
  afterAll(async () => {
    await api.close();
  });

  /**
   * The queued work items of the speech queue, as the board's own API lists them: `prioritized`,
   * where the fair share puts every queued job.
   */
  async function boardJobs(): Promise<{ id: string; name: string }[]> {
    const response = await api.call({
      method: 'GET',
      url: '/admin/queues/api/queues?activeQueue=jobs-speech&status=prioritized&page=1&jobsPerPage=50',
      key: ADMIN,
    });
    expect(response.statusCode, response.body).toBe(200);
    const speech = response.json<BoardQueues>().queues.find((q) => q.name === 'jobs-speech');
    return speech?.jobs ?? [];
  }

  it('names a work item type · tenant, and a batch item type · tenant · batch', async () => {
    const job = await api.createJob({}, BEARER);
    const batch = await api.call({
      method: 'POST',
      url: '/v1/batches',
      key: BEARER,
      payload: {
        items: [
          {
            type: 'text_to_dialogue',
            params: {
              inputs: [{ text: 'A line for the board.', voice_id: 'JBFqnCBsd6RMkjVDRZzb' }],
            },
          },
        ],
      },
    });
    expect(batch.statusCode, batch.body).toBe(202);
    const batchId = batch.json<{ id: string }>().id;

    const names = Object.fromEntries((await boardJobs()).map((item) => [item.id, item.name]));
    expect(names[job.id]).toBe('speech_to_speech · alpha');
    const items = Object.entries(names).filter(([id]) => id !== job.id);
    expect(items.map(([, name]) => name)).toEqual([`text_to_dialogue · alpha · ${batchId}`]);
  });

  it('serves its page without web fonts from the internet', async () => {
    const page = await api.call({ method: 'GET', url: '/admin/queues', key: ADMIN });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<div id="root">');
    expect(page.body).not.toContain('fonts.googleapis.com');
    expect(page.body).not.toMatch(/https?:\/\/(?!localhost)[a-z]/);
  });
});
