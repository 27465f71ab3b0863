import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../../src/shared/jobs/job-record.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

describe('GET /v1/jobs/{id}?wait= and /outputs/{name} (file storage)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api.close();
  });

  it('answers after about `wait` seconds when nothing happens', async () => {
    const job = await api.createJob();
    const started = Date.now();
    const response = await api.call({ method: 'GET', url: `/v1/jobs/${job.id}?wait=2` });
    const elapsed = Date.now() - started;
    expect(response.json()).toMatchObject({ status: 'queued' });
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(3500);
  });

  it('answers at once when the job finishes and the worker announces it', async () => {
    const job = await api.createJob();
    const pending = api.call({ method: 'GET', url: `/v1/jobs/${job.id}?wait=30` });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const finishedAt = Date.now();
    await api.finishJob(job.id, { status: 'succeeded', finished_at: new Date().toISOString() });
    const response = await pending;
    expect(Date.now() - finishedAt).toBeLessThan(500);
    expect(response.json()).toMatchObject({ status: 'succeeded' });
  });

  it('notices a finish that was never announced within about a second', async () => {
    const job = await api.createJob();
    const pending = api.call({ method: 'GET', url: `/v1/jobs/${job.id}?wait=30` });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const finishedAt = Date.now();
    await api.deps.jobs.patch(job.id, { status: 'canceled' });
    const response = await pending;
    expect(Date.now() - finishedAt).toBeLessThan(1500);
    expect(response.json()).toMatchObject({ status: 'canceled' });
  });

  it('answers a finished job without waiting, and refuses wait over 60', async () => {
    const job = await api.createJob();
    await api.finishJob(job.id, { status: 'failed' });
    const started = Date.now();
    const response = await api.call({ method: 'GET', url: `/v1/jobs/${job.id}?wait=60` });
    expect(response.json()).toMatchObject({ status: 'failed' });
    expect(Date.now() - started).toBeLessThan(500);
    const tooLong = await api.call({ method: 'GET', url: `/v1/jobs/${job.id}?wait=61` });
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.json()).toMatchObject({ error: { details: [{ field: 'wait' }] } });
  });

  it('serves a recorded output with its type, length and file name; unknown names are 404', async () => {
    const job = await api.createJob();
    const bytes = Buffer.from('ID3 fake mp3 output '.repeat(50));
    const key = `jobs/${job.id}/audio.mp3`;
    const stored = await api.deps.storage.put(key, bytes, { contentType: 'audio/mpeg' });
    const output = {
      name: 'audio',
      content_type: 'audio/mpeg',
      bytes: stored.bytes,
      sha256: stored.sha256,
      duration_ms: 1200,
    };
    await api.finishJob(job.id, { status: 'succeeded', outputs: [{ ...output, key }] });
    const view = (await api.call({ method: 'GET', url: `/v1/jobs/${job.id}` })).json<JobView>();
    expect(view.outputs).toEqual([{ ...output, url: `/v1/jobs/${job.id}/outputs/audio` }]);

    const download = await api.call({ method: 'GET', url: `/v1/jobs/${job.id}/outputs/audio` });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(bytes)).toBe(true);
    expect(download.headers['content-type']).toBe('audio/mpeg');
    expect(download.headers['content-length']).toBe(String(bytes.length));
    expect(download.headers['content-disposition']).toContain(`filename="${job.id}-audio.mp3"`);
    const unknown = await api.call({ method: 'GET', url: `/v1/jobs/${job.id}/outputs/stems.zip` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('404s (without naming the storage key) an output whose object is gone', async () => {
    const job = await api.createJob();
    const key = `jobs/${job.id}/audio.mp3`;
    await api.finishJob(job.id, {
      status: 'succeeded',
      outputs: [
        {
          name: 'audio',
          content_type: 'audio/mpeg',
          bytes: 1,
          sha256: 'x',
          duration_ms: null,
          key,
        },
      ],
    });
    const response = await api.call({ method: 'GET', url: `/v1/jobs/${job.id}/outputs/audio` });
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('jobs/');
  });
});
