import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage } from '../../../src/shared/storage/create-storage.ts';
import type { ObjectStorage } from '../../../src/shared/storage/object-storage.ts';
import { startDelayingProxy, type DelayingProxy } from '../../support/delaying-proxy.ts';
import { testS3Options, uniquePrefix } from '../../support/test-env.ts';
import { submit, upload, type Job } from '../e2e/e2e-helpers.ts';
import { startTestService, type TestService } from '../e2e/service-harness.ts';

/** How long the proxy holds each write of a job.json: far longer than a poll interval. */
const JOB_JSON_DELAY_MS = 1_500;

/**
 * Issue 8, seen failure 5: the status moved to `succeeded` before job.json was written, so a
 * reader polling the job could see it succeeded with its record absent from storage. The S3
 * API sits behind a proxy that holds every job.json write for a while: any window between the
 * two becomes long enough for a poller to land in it.
 */
describe('what a reader observes while a job finishes', () => {
  let proxy: DelayingProxy;
  let service: TestService;
  let storage: ObjectStorage;
  beforeAll(async () => {
    const s3 = testS3Options(uniquePrefix('finish-order'));
    proxy = await startDelayingProxy(s3.endpoint, (req) =>
      req.method === 'PUT' && (req.url ?? '').includes('/job.json') ? JOB_JSON_DELAY_MS : 0,
    );
    service = await startTestService({ storage: 's3', env: { S3_ENDPOINT: proxy.url } });
    // Read straight from the S3 API, not through the proxy.
    storage = createStorage({ url: service.config.STORAGE_URL, s3: s3.s3 });
  });
  afterAll(async () => {
    await storage?.close();
    await service?.stop();
    await proxy?.stop();
  });

  it('job.json exists whenever the job reads succeeded', async () => {
    const job = await submit(service, {
      type: 'speech_to_speech',
      params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb', output_format: 'pcm_16000' },
      input: { upload_id: await upload(service) },
    });
    const deadline = Date.now() + 60_000;
    let observations = 0;
    for (;;) {
      const { body } = await service.json<Job>(`/v1/jobs/${job.id}`);
      if (body.status === 'succeeded') {
        observations++;
        const head = await storage.head(`jobs/${job.id}/job.json`);
        expect(
          head,
          `job.json of a job that reads succeeded (observation ${observations})`,
        ).not.toBeNull();
        for (const output of body.outputs) expect(output.bytes).toBeGreaterThan(0);
        if (observations >= 3) break;
      } else expect(['queued', 'running']).toContain(body.status);
      if (Date.now() > deadline) throw new Error(`job still ${body.status}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});
