import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/eventually.ts';
import { submit, upload, waitFinished } from '../e2e/e2e-helpers.ts';
import { serviceQueue, startTestService, type TestService } from '../e2e/service-harness.ts';

/**
 * A worker killed between a job's move to `succeeded` and writing its job.json leaves the job
 * finished without its record in storage. The job's next delivery (after its lock expires)
 * must complete what was left, not return early.
 */
describe('a finished job delivered again', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ storage: 'file' });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('writes the missing job.json without calling the upstream again', async () => {
    const job = await submit(service, {
      type: 'speech_to_speech',
      params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb' },
      input: { upload_id: await upload(service) },
    });
    expect((await waitFinished(service, job.id)).status).toBe('succeeded');
    const jobJson = join(new URL(service.config.STORAGE_URL).pathname, 'jobs', job.id, 'job.json');
    await access(jobJson);
    await rm(jobJson);
    const calls = service.simulator.counters().requests;

    // What BullMQ does after a stall: the same payload runs again.
    const queue = serviceQueue(service.config, 'speech');
    try {
      await queue.add('speech_to_speech', { job_id: job.id }, { jobId: `${job.id}-again` });
      await waitUntil('job.json is written again', () =>
        access(jobJson).then(
          () => true,
          () => false,
        ),
      );
    } finally {
      await queue.close();
    }
    expect(service.simulator.counters().requests).toEqual(calls);
  });
});
