import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JobWaiter } from '../../../src/api/services/job-waiter.ts';
import type { JobView } from '../../../src/shared/jobs/job-record.ts';
import { settlesWithin, waitUntil } from '../../support/eventually.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

/**
 * Each "answers at once" is bounded far above the milliseconds it takes on a busy machine and
 * below the wait it would otherwise sit out (30 s and 60 s here).
 */
const AT_ONCE_BOUND_MS = 10_000;

describe('GET /v1/jobs/{id}?wait= and /outputs/{name} (file storage)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api.close();
  });

  /**
   * Starts a long poll of `id` and returns once it has read the job and waits (instead of
   * sleeping and hoping it had): the next change is then one it has to notice while waiting.
   */
  async function startLongPoll(id: string, waitSeconds: number) {
    const reads = vi.spyOn(api.deps.jobs, 'getOwned');
    try {
      const pending = api.call({ method: 'GET', url: `/v1/jobs/${id}?wait=${waitSeconds}` });
      await waitUntil('the long poll read the job', () =>
        reads.mock.calls.some(([read]) => read === id),
      );
      // That read went out before any command the test sends next on the same connection.
      return { pending }; // wrapped: an async function returning a promise would wait for it
    } finally {
      reads.mockRestore();
    }
  }

  it('answers after about `wait` seconds when nothing happens', async () => {
    const job = await api.createJob();
    const started = Date.now();
    const response = await api.call({ method: 'GET', url: `/v1/jobs/${job.id}?wait=2` });
    const elapsed = Date.now() - started;
    expect(response.json()).toMatchObject({ status: 'queued' });
    // Not before the wait is over (a lower bound, which a busy machine cannot break) and not
    // far past it: a wait that ignored its deadline would run to the 60 s maximum or forever.
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(AT_ONCE_BOUND_MS);
  });

  it('answers at once when the job finishes and the worker announces it', async () => {
    const job = await api.createJob();
    const { pending } = await startLongPoll(job.id, 30);
    await api.finishJob(job.id, { status: 'succeeded', finished_at: new Date().toISOString() });
    const response = await settlesWithin('the long poll answered', pending, AT_ONCE_BOUND_MS);
    expect(response.json()).toMatchObject({ status: 'succeeded' });

    // The long poll also re-reads every second (pub/sub is best effort), so its answer time
    // cannot tell a wake from a re-read on a busy machine. A waiter alone can: with a 60 s
    // timeout and nothing else to end it, only the announcement does. A message sent before
    // its subscription is live is lost (as in production): announce until one is heard.
    const waiter = new JobWaiter(api.deps.redis, api.deps.keys.jobFinishedChannel, api.deps.logger);
    let woken = false;
    void waiter.next(job.id, 60_000).then(() => (woken = true));
    try {
      await waitUntil(
        'an announcement woke the waiter',
        async () => {
          await api.deps.redis.publish(api.deps.keys.jobFinishedChannel, job.id);
          return woken;
        },
        { timeoutMs: AT_ONCE_BOUND_MS, intervalMs: 100 },
      );
    } finally {
      await waiter.close();
    }
  });

  it('notices a finish that was never announced within about a second', async () => {
    const job = await api.createJob();
    const { pending } = await startLongPoll(job.id, 30);
    await api.deps.jobs.patch(job.id, { status: 'canceled' });
    // It re-reads every second: this answer can only come from that re-read.
    const response = await settlesWithin('the long poll answered', pending, AT_ONCE_BOUND_MS);
    expect(response.json()).toMatchObject({ status: 'canceled' });
  });

  it('answers a finished job without waiting, and refuses wait over 60', async () => {
    const job = await api.createJob();
    await api.finishJob(job.id, { status: 'failed' });
    const response = await settlesWithin(
      'the answer',
      api.call({ method: 'GET', url: `/v1/jobs/${job.id}?wait=60` }),
      AT_ONCE_BOUND_MS,
    );
    expect(response.json()).toMatchObject({ status: 'failed' });
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
