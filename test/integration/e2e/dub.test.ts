import { Queue } from 'bullmq';
import { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueName } from '../../../src/shared/queue/queues.ts';
import { testRedisUrl } from '../../support/test-env.ts';
import { waitUntil } from '../../support/eventually.ts';
import { submitBatch, waitForBatch } from '../batches/batch-helpers.ts';
import {
  multipartFile,
  startRecordingProxy,
  type RecordingProxy,
} from '../../support/recording-proxy.ts';
import { decodedDurationSeconds, sineWav } from './audio-fixtures.ts';
import { download, sha256, submit, upload, waitFinished, type Job } from './e2e-helpers.ts';
import { startTestService, type TestService } from './service-harness.ts';

const STS = 'POST /v1/speech-to-speech/{voice_id}';
const ADMIN = 'admin-key-of-the-dub-tests';
const STEMS = 'POST /v1/music/stem-separation';

type Step = { step: string; status: string; cache: string; upstream_calls: number };
const stepsOf = (job: Job) => (job.result as { steps: Step[] }).steps;

function dubRequest(uploadId: string, params: object = {}) {
  return {
    type: 'dub',
    params: {
      voice_id: 'JBFqnCBsd6RMkjVDRZzb',
      seed: 7,
      output_format: 'mp3_44100_128',
      ...params,
    },
    input: { upload_id: uploadId },
  };
}

describe('dub: stems → speech-to-speech → mix as a BullMQ flow with a step cache', () => {
  let service: TestService;
  let proxy: RecordingProxy;
  const calls = (endpoint: string) => service.simulator.counters().requests[endpoint] ?? 0;

  beforeAll(async () => {
    proxy = await startRecordingProxy();
    service = await startTestService({
      storage: 'file',
      env: { ELEVENLABS_BASE_URL: proxy.url, JOB_ATTEMPTS: '2', ADMIN_API_KEY: ADMIN },
    });
    proxy.target = service.simulator.url;
  });

  afterAll(async () => {
    await service?.stop();
    await proxy?.stop();
  });

  let clip: string;

  it('dubs a 3-second clip: audio, vocals, background; the voice gets exactly the separated vocals', async () => {
    clip = await upload(service, sineWav(3));
    const done = await waitFinished(service, (await submit(service, dubRequest(clip))).id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.outputs.map((o) => o.name).sort()).toEqual(['audio', 'background', 'vocals']);
    expect(stepsOf(done).map((s) => [s.step, s.cache, s.upstream_calls])).toEqual([
      ['stems', 'miss', 1],
      ['speech_to_speech', 'miss', 1],
      ['mix', 'miss', 0],
    ]);
    expect(calls(STEMS)).toBe(1);
    expect(calls(STS)).toBe(1);

    // What speech-to-speech received is the separation's vocals stem, byte for byte (the
    // simulator is deterministic: a stem_separation job of the same clip answers the same).
    const stsRequest = proxy.recorded.find((r) => r.path.startsWith('/v1/speech-to-speech/'));
    const sent = await multipartFile(stsRequest!, 'audio');
    const stems = await waitFinished(
      service,
      (
        await submit(service, {
          type: 'stem_separation',
          params: { stem_variation_id: 'two_stems_v1', output_format: 'mp3_44100_128' },
          input: { upload_id: clip },
        })
      ).id,
    );
    const separatedVocals = stems.outputs.find((o) => o.name === 'stem.vocals');
    expect(sha256(sent)).toBe(separatedVocals?.sha256);

    // The mix decodes and lasts as long as the background.
    const mix = await decodedDurationSeconds(await download(service, done, 'audio'), 'audio/mpeg');
    const background = await decodedDurationSeconds(
      await download(service, done, 'background'),
      'audio/mpeg',
    );
    expect(Math.abs(mix - background)).toBeLessThanOrEqual(0.15);
  });

  it('its steps wait for slots in their fair-share place, not ahead of every prioritized job', async () => {
    const connection = new IORedis(testRedisUrl(), { maxRetriesPerRequest: null });
    try {
      for (const jobClass of ['speech', 'music'] as const) {
        const queue = new Queue(queueName(jobClass), {
          connection,
          prefix: service.config.QUEUE_PREFIX,
        });
        const steps = (await queue.getJobs(['completed'])).filter((j) => j.name === 'dub-step');
        expect(steps.length, jobClass).toBeGreaterThan(0);
        for (const step of steps) expect(step.opts.priority, jobClass).toBeGreaterThanOrEqual(1);
        await queue.close();
      }
    } finally {
      connection.disconnect();
    }
  });

  it('another voice reruns speech-to-speech and the mix, never the separation; the same dub calls nothing', async () => {
    const stems = calls(STEMS);
    const sts = calls(STS);
    const other = await waitFinished(
      service,
      (await submit(service, dubRequest(clip, { voice_id: 'EXAVITQu4vr4xnSDxMaL' }))).id,
    );
    expect(other.status, JSON.stringify(other.error)).toBe('succeeded');
    expect(calls(STS) - sts).toBe(1);
    expect(calls(STEMS) - stems).toBe(0);
    expect(stepsOf(other).map((s) => [s.step, s.cache])).toEqual([
      ['stems', 'hit'],
      ['speech_to_speech', 'miss'],
      ['mix', 'miss'],
    ]);

    const same = await waitFinished(service, (await submit(service, dubRequest(clip), 200)).id);
    expect(same.status).toBe('succeeded');
    expect(same.cache).toBe('hit');
    expect(calls(STS) - sts).toBe(1);
    expect(calls(STEMS) - stems).toBe(0);
  });

  it("a failing step fails the dub with that step's error; retry resumes from that step", async () => {
    const input = await upload(service, sineWav(3, 16_000, 330));
    const stems = calls(STEMS);
    const sts = calls(STS);
    // The separation passes, then both attempts of the conversion meet a 500.
    service.simulator.configure({ faults: { next: ['none', 'error_500', 'error_500'] } });
    const failed = await waitFinished(service, (await submit(service, dubRequest(input))).id);
    expect(failed.status).toBe('failed');
    expect(failed.error?.upstream_status).toBe(500);
    expect((failed.error as { message?: string } | null)?.message).toMatch(
      /^speech_to_speech step/,
    );
    expect(calls(STEMS) - stems).toBe(1);
    expect(calls(STS) - sts).toBe(2);

    const { status } = await service.json(`/v1/jobs/${failed.id}/retry`, { method: 'POST' });
    expect(status).toBe(202);
    const retried = await waitFinished(service, failed.id);
    expect(retried.status, JSON.stringify(retried.error)).toBe('succeeded');
    expect(calls(STEMS) - stems).toBe(1); // the separation came from the step cache
    expect(calls(STS) - sts).toBe(3);
    expect(stepsOf(retried).map((s) => [s.step, s.cache])).toEqual([
      ['stems', 'hit'],
      ['speech_to_speech', 'miss'],
      ['mix', 'miss'],
    ]);
  });

  it('a matrix batch of 2 clips × 3 voices: 6 dubs succeed on 2 separations in all', async () => {
    const clips = [
      await upload(service, sineWav(2, 16_000, 250)),
      await upload(service, sineWav(2, 16_000, 270)),
    ];
    const voices = ['voice-a', 'voice-b', 'voice-c'];
    const stems = calls(STEMS);
    const sts = calls(STS);
    const batch = await submitBatch(service, {
      seed: 11,
      defaults: { type: 'dub', params: { output_format: 'mp3_44100_128' } },
      matrix: { 'params.voice_id': voices },
      items: clips.map((clip, c) => ({ custom_id: `clip-${c}`, input: { upload_id: clip } })),
    });
    const done = await waitForBatch(service, batch.id);
    expect(done.counts.succeeded).toBe(6);
    // Three dubs of a clip run at once: one separates it, the others wait for its answer.
    expect(calls(STEMS) - stems).toBe(2);
    expect(calls(STS) - sts).toBe(6);
  });

  it('cancel cancels the open step', async () => {
    const input = await upload(service, sineWav(3, 16_000, 440));
    const sts = calls(STS);
    service.simulator.configure({ faults: { next: ['none', 'stall_headers'] } });
    const job = await submit(service, dubRequest(input));
    await waitUntil('the conversion step is in flight', () => calls(STS) > sts, {
      timeoutMs: 60_000,
    });
    const { status } = await service.json(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
    expect(status).toBe(202);
    const done = await waitFinished(service, job.id);
    expect(done.status).toBe('canceled');
    expect(done.outputs).toEqual([]);
  });
  it('out of credits in a step pauses its class queue; the dub waits and ends once resumed', async () => {
    const input = await upload(service, sineWav(3, 16_000, 500));
    service.simulator.configure({ credits: 0 });
    const job = await submit(service, dubRequest(input));
    type Ready = { checks: { workers: { music: { paused_reason: { code: string } | null } } } };
    await waitUntil(
      'the music queue paused for quota',
      async () => {
        const { body } = await service.json<Ready>('/readyz');
        return body.checks.workers.music.paused_reason?.code === 'quota_exceeded';
      },
      { timeoutMs: 60_000 },
    );
    const { body: waiting } = await service.json<Job>(`/v1/jobs/${job.id}`);
    expect(waiting.status, JSON.stringify(waiting.error)).toBe('running');

    service.simulator.configure({ credits: null });
    const resumed = await service.request('/v1/admin/queues/music/resume', {
      method: 'POST',
      key: ADMIN,
    });
    expect(resumed.status).toBe(200);
    const done = await waitFinished(service, job.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  });
});
