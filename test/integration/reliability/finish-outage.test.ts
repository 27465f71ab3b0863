import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelayingProxy, type DelayingProxy } from '../../support/delaying-proxy.ts';
import { testS3Options, uniquePrefix } from '../../support/test-env.ts';
import { submit, upload, waitFinished } from '../e2e/e2e-helpers.ts';
import { startTestService, type TestService } from '../e2e/service-harness.ts';

/**
 * job.json writes the storage refuses: far more than the S3 client's own retries absorb, and
 * more deliveries than the job has attempts (2 here).
 */
const REFUSED_WRITES = 8;

/**
 * Storage goes away after a job's finish was decided (its intent is on the record) and before
 * job.json is written. The job's end is decided: it must neither fail nor run again, nor spend
 * an attempt; its next deliveries complete the finish once storage answers.
 */
describe('a finish that meets a storage outage', () => {
  let proxy: DelayingProxy;
  let service: TestService;
  let refused = 0;
  beforeAll(async () => {
    const s3 = testS3Options(uniquePrefix('finish-outage'));
    proxy = await startDelayingProxy(
      s3.endpoint,
      () => 0,
      (req) =>
        req.method === 'PUT' && (req.url ?? '').includes('/job.json') && refused++ < REFUSED_WRITES,
    );
    service = await startTestService({
      storage: 's3',
      env: { S3_ENDPOINT: proxy.url, JOB_BACKOFF_MS: '50', JOB_ATTEMPTS: '2' },
    });
  });
  afterAll(async () => {
    await service?.stop();
    await proxy?.stop();
  });

  it('completes later, with one upstream call and no attempt spent', async () => {
    const job = await submit(service, {
      type: 'speech_to_speech',
      params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb', output_format: 'pcm_16000' },
      input: { upload_id: await upload(service) },
    });
    const finished = await waitFinished(service, job.id);
    expect(finished.status, JSON.stringify(finished.error)).toBe('succeeded');
    expect(refused).toBeGreaterThanOrEqual(REFUSED_WRITES);
    expect(finished.attempts).toBe(1);
    expect(finished.upstream?.calls).toBe(1);
    const calls = Object.values(service.simulator.counters().requests).reduce((a, b) => a + b, 0);
    expect(calls).toBe(1);
    expect(await service.storage.head(`jobs/${job.id}/job.json`)).not.toBeNull();
  });
});
