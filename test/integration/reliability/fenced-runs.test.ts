import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStorage } from '../../../src/shared/storage/object-storage.ts';
import { waitUntil } from '../../support/eventually.ts';
import { download, sha256, submit, upload, waitFinished } from '../e2e/e2e-helpers.ts';
import { serviceQueue, startTestService, type TestService } from '../e2e/service-harness.ts';

/**
 * Issue 8, seen failure 1: after a lost lock two runs of one job called the upstream and wrote
 * the same key; the first finished, and the loser's clean-up deleted the shared `audio` file.
 * The job read `succeeded` and listed an output that answered 404. Here the second run is a
 * second delivery of the same job while the first is still in its upstream call, which is what
 * BullMQ does when a lock expires under a live worker.
 */
describe.each(['file', 's3'] as const)('two runs of one job (%s storage)', (driver) => {
  let service: TestService;
  let storage: ObjectStorage;
  let queue: Queue;
  beforeAll(async () => {
    service = await startTestService({ storage: driver });
    const config = service.config;
    storage = service.storage;
    queue = serviceQueue(config, 'speech');
  });
  afterAll(async () => {
    await queue?.close();
    await service?.stop();
  });

  it('keeps what the committing run wrote: the other run removes only its own writes', async () => {
    service.simulator.configure({ latencyMs: 1_500 });
    const job = await submit(service, {
      type: 'speech_to_speech',
      params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb', output_format: 'pcm_16000', seed: 7 },
      input: { upload_id: await upload(service) },
      cache: 'bypass',
    });
    await waitUntil(
      'the first run is in its upstream call',
      () => service.simulator.counters().in_flight === 1,
    );
    const second = await queue.add(
      'speech_to_speech',
      { job_id: job.id },
      { jobId: `${job.id}-second-run` },
    );
    const finished = await waitFinished(service, job.id);
    expect(finished.status).toBe('succeeded');
    // Both runs are over once the second delivery has left the queue.
    await waitUntil('the second delivery has left the queue', async () => {
      const state = await queue.getJobState(second.id as string);
      return state === 'completed' || state === 'failed' || state === 'unknown';
    });

    const job2 = await waitFinished(service, job.id);
    expect(job2.outputs.map((o) => o.sha256)).toEqual(finished.outputs.map((o) => o.sha256));
    for (const output of job2.outputs) {
      const bytes = await download(service, job2, output.name);
      expect(bytes.length).toBe(output.bytes);
      expect(sha256(bytes)).toBe(output.sha256);
    }
    const keys: string[] = [];
    for await (const key of storage.list(`jobs/${job.id}/`)) keys.push(key);
    // One object per output, plus job.json: the losing run left nothing behind.
    expect(keys.filter((key) => !key.endsWith('/job.json')).length).toBe(job2.outputs.length);
    expect(keys.some((key) => key.endsWith('/job.json'))).toBe(true);
  });
});
