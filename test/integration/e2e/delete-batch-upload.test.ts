import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/eventually.ts';
import { testRedisUrl } from '../../support/test-env.ts';
import { stsDefaults, submitBatch, waitForBatch } from '../batches/batch-helpers.ts';
import { sineWav } from './audio-fixtures.ts';
import { submit, upload } from './e2e-helpers.ts';
import { startTestService, type TestService } from './service-harness.ts';
import { traces, type Traces } from './traces.ts';

/**
 * `DELETE /v1/batches/{id}` (with its jobs) and `DELETE /v1/uploads/{id}` remove every trace:
 * the deployment's keys and objects are what they were before; the usage totals stay.
 */
describe.each(['file', 's3'] as const)('DELETE batches and uploads (%s storage)', (kind) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ storage: kind });
  });
  afterAll(async () => {
    await service?.stop();
  });

  const snapshot = () => traces(testRedisUrl(), service.config.QUEUE_PREFIX, service.storage);
  const remove = (path: string) => service.request(path, { method: 'DELETE' });
  const backTo = (before: Traces) =>
    waitUntil('every trace is gone', async () => {
      return JSON.stringify(await snapshot()) === JSON.stringify(before);
    });

  it('deletes a finished batch with its jobs, results and manifest; usage totals stay', async () => {
    const before = await snapshot();
    const input = await upload(service, sineWav(0.25));
    const batch = await submitBatch(service, {
      defaults: stsDefaults,
      items: [
        { custom_id: 'a', input: { upload_id: input } },
        { custom_id: 'b', input: { upload_id: input } },
        {
          custom_id: 'c',
          type: 'music',
          params: { prompt: `delete batch ${kind}`, music_length_ms: 3_000 },
        },
      ],
    });
    const done = await waitForBatch(service, batch.id);
    expect(done.counts.succeeded).toBe(3);
    const during = await snapshot();
    expect(during.objects).toContain(`batches/${batch.id}/results.ndjson`);
    // The upload is listed (GET /v1/uploads, by sha256 too) until it is deleted.
    const prefix = service.config.QUEUE_PREFIX;
    expect(during.keys).toEqual(
      expect.arrayContaining([
        `${prefix}:idx:owner:local:uploads`,
        expect.stringMatching(
          new RegExp(`^${prefix}:idx:owner:local:uploads:sha256:[0-9a-f]{64}$`),
        ),
      ]),
    );
    const listed = await service.json<{ data: { id: string }[] }>('/v1/uploads');
    expect(listed.body.data.map((upload) => upload.id)).toContain(input);
    const { body: jobs } = await service.json<{ data: { id: string }[] }>(
      `/v1/batches/${batch.id}/jobs`,
    );
    expect(jobs.data).toHaveLength(3);

    expect((await remove(`/v1/batches/${batch.id}`)).status).toBe(204);
    expect((await service.request(`/v1/batches/${batch.id}`)).status).toBe(404);
    for (const job of jobs.data)
      expect((await service.request(`/v1/jobs/${job.id}`)).status).toBe(404);
    expect((await remove(`/v1/uploads/${input}`)).status).toBe(204);
    expect((await remove(`/v1/uploads/${input}`)).status).toBe(404);
    const after = await service.json<{ data: { id: string }[] }>('/v1/uploads');
    expect(after.body.data.map((upload) => upload.id)).not.toContain(input);
    await backTo(before);

    const { body: usage } = await service.json<{ totals: { calls: number } }>('/v1/usage');
    expect(usage.totals.calls).toBeGreaterThanOrEqual(3);
  });

  it('cancels a running batch first, then deletes it', async () => {
    const before = await snapshot();
    service.simulator.configure({ latencyMs: 60_000 });
    try {
      const batch = await submitBatch(service, {
        items: [1, 2, 3].map((n) => ({
          type: 'music',
          params: { prompt: `delete running batch ${kind} ${n}`, music_length_ms: 3_000 },
        })),
      });
      await waitUntil('a job of the batch runs', async () => {
        const { body } = await service.json<{ counts: { running: number } }>(
          `/v1/batches/${batch.id}`,
        );
        return body.counts.running > 0;
      });
      expect((await remove(`/v1/batches/${batch.id}`)).status).toBe(204);
      await backTo(before);
    } finally {
      service.simulator.configure({ latencyMs: 0 });
    }
  });

  it('refuses to delete an upload a queued or running job still reads (409 upload_in_use)', async () => {
    const before = await snapshot();
    service.simulator.configure({ latencyMs: 60_000 });
    try {
      const input = await upload(service, sineWav(0.25));
      const job = await submit(service, { ...stsDefaults, input: { upload_id: input } });
      const refused = await service.json<{ error: { code: string } }>(`/v1/uploads/${input}`, {
        method: 'DELETE',
      });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('upload_in_use');
      expect((await remove(`/v1/jobs/${job.id}`)).status).toBe(204);
      expect((await remove(`/v1/uploads/${input}`)).status).toBe(204);
      await backTo(before);
    } finally {
      service.simulator.configure({ latencyMs: 0 });
    }
  });
});
