import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJobRecord } from '../../../src/shared/jobs/job-record-codec.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import { submit, upload, waitFinished, type Job } from '../e2e/e2e-helpers.ts';
import { serviceQueue, startTestService, type TestService } from '../e2e/service-harness.ts';

/**
 * Issue 8, seen failure 7: stored records were decoded with the strict intake schema, so after
 * a release that tightened a rule or dropped a field, older records failed to decode: GET
 * answered 500, a list page holding one failed whole, and the worker retried the job until it
 * ran out of attempts. Here a queued job's record is rewritten as other releases would have
 * left it, then read, listed and run.
 */
describe('records written by another release', () => {
  let service: TestService;
  let redis: Redis;
  let queue: Queue;
  beforeAll(async () => {
    service = await startTestService({ storage: 'file' });
    redis = new Redis(service.config.REDIS_URL as string);
    queue = serviceQueue(service.config, 'speech');
  });
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
    await service?.stop();
  });

  it('are read, listed and run', async () => {
    await queue.pause();
    const job = await submit(service, {
      type: 'speech_to_speech',
      params: { voice_id: 'JBFqnCBsd6RMkjVDRZzb', output_format: 'pcm_16000' },
      input: { upload_id: await upload(service) },
      metadata: { scene: 'one' },
    });
    const key = redisKeys(service.config.QUEUE_PREFIX).job(job.id);
    const before = await service.json<Job>(`/v1/jobs/${job.id}`);
    const record = decodeJobRecord(await redis.hgetall(key), job.id);
    // The layout of version 4 and older (before the compact one of version 5): every field
    // JSON-encoded, the request whole, the fingerprint as text.
    const versionFour = Object.fromEntries(
      Object.entries({ ...record, record_version: 4 }).map(([field, value]) => [
        field,
        JSON.stringify(value),
      ]),
    );
    // A newer release: a request field and a record field this release has never heard of.
    await redis
      .multi()
      .del(key)
      .hset(key, {
        ...versionFour,
        request: JSON.stringify({
          ...record.request,
          priority: 'high',
          params: { ...record.request.params, new_upstream_knob: 3 },
          // A rule tightened since: this key is longer than today's limit of 64.
          metadata: { ...record.request.metadata, ['k'.repeat(80)]: 'kept' },
        }),
        metadata: JSON.stringify({ scene: 'one', ['k'.repeat(80)]: 'kept' }),
        legacy_field: JSON.stringify({ anything: true }),
      })
      .exec();
    // An older release: fields added since were never written.
    await redis.hdel(key, 'result', 'cancel_requested', 'webhook_deliveries');

    const read = await service.json<Job & { metadata: Record<string, unknown> }>(
      `/v1/jobs/${job.id}`,
    );
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body.metadata['k'.repeat(80)]).toBe('kept');
    expect(read.body).not.toHaveProperty('legacy_field');
    expect(read.body.fingerprint).toBe(before.body.fingerprint);
    expect(read.body.seed).toBe(before.body.seed);
    const list = await service.json<{ data: Job[] }>('/v1/jobs?limit=10');
    expect(list.status).toBe(200);
    expect(list.body.data.map((j) => j.id)).toContain(job.id);

    await queue.resume();
    const finished = await waitFinished(service, job.id);
    expect(finished.status, JSON.stringify(finished.error)).toBe('succeeded');
    expect(finished.attempts).toBe(1);
  });
});
