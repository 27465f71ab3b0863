import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodedDurationSeconds, sineWav } from './audio-fixtures.ts';
import { waitUntil } from '../../support/eventually.ts';
import { download, sha256, submit, upload, waitFinished, type Job } from './e2e-helpers.ts';
import { SIMULATOR_KEY, startTestService, type TestService } from './service-harness.ts';

const VOICE = 'JBFqnCBsd6RMkjVDRZzb';
const input = sineWav(2);

function stsRequest(uploadId: string, params: object = {}, options: object = {}) {
  return {
    type: 'speech_to_speech',
    params: { voice_id: VOICE, model_id: 'eleven_multilingual_sts_v2', ...params },
    input: { upload_id: uploadId },
    options,
  };
}

describe.each(['file', 's3'] as const)('speech_to_speech end to end (%s storage)', (storage) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ storage });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('upload → job → poll → download: decodable mp3 as long as the input', async () => {
    const uploadId = await upload(service);
    const job = await submit(
      service,
      stsRequest(uploadId, { voice_settings: { stability: 0.4 }, output_format: 'mp3_44100_128' }),
    );
    expect(job.status).toBe('queued');
    expect(Number.isInteger(job.seed)).toBe(true);

    const done = await waitFinished(service, job.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.cache).toBe('miss');
    expect(done.upstream?.calls).toBe(1);
    expect(done.upstream?.request_id).toBeTruthy();
    const [audio] = done.outputs;
    expect(audio?.name).toBe('audio');
    expect(audio?.content_type).toBe('audio/mpeg');

    const bytes = await download(service, done);
    expect(bytes.length).toBe(audio?.bytes);
    expect(sha256(bytes)).toBe(audio?.sha256);
    expect(await decodedDurationSeconds(bytes, 'audio/mpeg')).toBeCloseTo(2, 0);
    expect(Math.abs((audio?.duration_ms ?? 0) - 2000)).toBeLessThan(100);
  });

  it('multipart one-shot on the stream variant: raw PCM of the input length', async () => {
    const form = new FormData();
    form.set(
      'request',
      JSON.stringify({
        type: 'speech_to_speech',
        params: { voice_id: VOICE, output_format: 'pcm_16000', seed: 5 },
        options: { stream: true },
      }),
    );
    form.set('audio', new Blob([input], { type: 'audio/wav' }), 'input.wav');
    const { status, body: job } = await service.json<Job>('/v1/jobs', {
      method: 'POST',
      body: form,
    });
    expect(status).toBe(202);
    const done = await waitFinished(service, job.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.upstream?.endpoint).toBe('/v1/speech-to-speech/{voice_id}/stream');
    const bytes = await download(service, done);
    expect(bytes.length).toBe(2 * 16_000 * 2);
    expect(done.outputs[0]?.duration_ms).toBe(2000);
  });
});

describe('speech_to_speech retries, cache and upstream errors', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ storage: 'file' });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('answers a repeated request from the cache: no upstream call, identical bytes', async () => {
    const uploadId = await upload(service);
    const first = await waitFinished(
      service,
      (await submit(service, stsRequest(uploadId, { seed: 1234 }))).id,
    );
    expect(first.status).toBe('succeeded');
    const callsBefore = totalRequests(service);

    // Answered at intake: 200 with the finished job.
    const second = await submit(service, stsRequest(uploadId, { seed: 1234 }), 200);
    expect(second.status).toBe('succeeded');
    expect(second.cache).toBe('hit');
    expect(second.upstream?.calls).toBe(0);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(totalRequests(service)).toBe(callsBefore);
    expect(second.outputs[0]?.sha256).toBe(first.outputs[0]?.sha256);
    expect(sha256(await download(service, second))).toBe(sha256(await download(service, first)));

    const bypass = await waitFinished(
      service,
      (await submit(service, { ...stsRequest(uploadId, { seed: 1234 }), cache: 'bypass' })).id,
    );
    expect(bypass.cache).toBe('miss');
    expect(totalRequests(service)).toBe(callsBefore + 1);
  });

  it.each(['error_500', 'reset_mid_body', 'truncated_body', 'system_busy'] as const)(
    'recovers from an injected %s on the next attempt, storing a whole output',
    async (fault) => {
      const uploadId = await upload(service);
      // The reference: from the second case on, answered from the first's cache.
      const clean = await waitFinished(
        service,
        (
          await submit(
            service,
            stsRequest(uploadId, { seed: 77, output_format: 'pcm_16000' }),
            'either',
          )
        ).id,
      );
      service.simulator.configure({ faults: { next: [fault] } });
      const job = await submit(service, {
        ...stsRequest(uploadId, { seed: 77, output_format: 'pcm_16000' }),
        cache: 'bypass',
      });
      const done = await waitFinished(service, job.id);
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      expect(done.attempts).toBe(2);
      expect(done.upstream?.calls).toBe(2);
      // The simulator is deterministic for a seed: a whole output equals the clean run's.
      expect(done.outputs[0]?.sha256).toBe(clean.outputs[0]?.sha256);
      expect(sha256(await download(service, done))).toBe(clean.outputs[0]?.sha256);
    },
  );

  it('puts a 429 concurrency refusal back in the queue without spending an attempt', async () => {
    const uploadId = await upload(service);
    service.simulator.configure({ faults: { next: ['concurrency_429'] } });
    const done = await waitFinished(
      service,
      (await submit(service, { ...stsRequest(uploadId), cache: 'bypass' })).id,
    );
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.attempts).toBe(1);
    expect(done.upstream?.calls).toBe(2);
  });

  it('fails at once on an upstream 4xx, with its code, after exactly one call', async () => {
    service.simulator.configure({ rejectVoiceIds: ['missingVoice'] });
    const uploadId = await upload(service);
    const before = totalRequests(service);
    const done = await waitFinished(
      service,
      (await submit(service, stsRequest(uploadId, { voice_id: 'missingVoice' }))).id,
    );
    expect(done.status).toBe('failed');
    expect(done.attempts).toBe(1);
    expect(done.error?.upstream_status).toBe(404);
    expect(done.error?.upstream_code).toBe('voice_not_found');
    expect(done.error?.retryable).toBe(false);
    expect(totalRequests(service) - before).toBe(1);
  });

  it('cancels a running job: the upstream call is aborted and no output is left', async () => {
    // The call would take a minute unless the cancel aborts it.
    service.simulator.configure({ latencyMs: 60_000 });
    try {
      const uploadId = await upload(service);
      const job = await submit(service, { ...stsRequest(uploadId), cache: 'bypass' });
      await waitUntil(
        'the job is running',
        async () => (await service.json<Job>(`/v1/jobs/${job.id}`)).body.status === 'running',
      );
      await waitUntil('its upstream call is in flight', () => inFlight(service) > 0);
      const { status } = await service.json(`/v1/jobs/${job.id}/cancel`, { method: 'POST' });
      expect(status).toBe(202);
      // Aborted, the call goes within milliseconds (2 s at worst, by the cancel-flag poll);
      // not aborted, it runs its 60 s. 10 s tells them apart on a busy machine too.
      await waitUntil('the upstream call was aborted', () => inFlight(service) === 0, {
        timeoutMs: 10_000,
      });
      const done = await waitFinished(service, job.id);
      expect(done.status).toBe('canceled');
      expect(done.outputs).toEqual([]);
      expect((await service.request(`/v1/jobs/${job.id}/outputs/audio`)).status).toBe(404);
    } finally {
      service.simulator.configure({ latencyMs: 0 });
    }
  });

  it('records every attempt in job.json and never a secret', async () => {
    const uploadId = await upload(service);
    service.simulator.configure({ faults: { next: ['error_500'] } });
    const done = await waitFinished(
      service,
      (await submit(service, { ...stsRequest(uploadId, { seed: 9 }), cache: 'bypass' })).id,
    );
    const { readFile } = await import('node:fs/promises');
    const root = new URL(service.config.STORAGE_URL).pathname;
    const jobJson = JSON.parse(await readFile(`${root}/jobs/${done.id}/job.json`, 'utf8')) as {
      seed: number;
      fingerprint: string;
      attempts: {
        outcome: string;
        upstream_status: number | null;
        request_id: string | null;
        headers: Record<string, string>;
      }[];
      outputs: { sha256: string }[];
    };
    expect(jobJson.seed).toBe(9);
    expect(jobJson.fingerprint).toBe(done.fingerprint);
    expect(jobJson.attempts.map((a) => a.outcome)).toEqual(['retry', 'succeeded']);
    expect(jobJson.attempts[0]?.upstream_status).toBe(500);
    expect(jobJson.attempts[1]?.request_id).toBeTruthy();
    expect(jobJson.attempts[1]?.headers['character-cost']).toBeDefined();
    expect(jobJson.outputs[0]?.sha256).toBe(done.outputs[0]?.sha256);
    expect(JSON.stringify(jobJson)).not.toContain(SIMULATOR_KEY);
    expect(service.logs.join('')).not.toContain(SIMULATOR_KEY);
  });
});

describe('tenant isolation with API keys', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({
      storage: 'file',
      apiKeys: ['key-alice-0000000000', 'key-bob-00000000000000'],
    });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it("key A sees none of key B's upload, job or output", async () => {
    const alice = 'key-alice-0000000000';
    const bob = 'key-bob-00000000000000';
    const uploaded = await service.json<{ id: string }>('/v1/uploads', {
      method: 'POST',
      key: bob,
      headers: { 'content-type': 'audio/wav' },
      body: input,
    });
    const created = await service.json<Job>('/v1/jobs', {
      method: 'POST',
      key: bob,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(stsRequest(uploaded.body.id)),
    });
    expect(created.status).toBe(202);
    let job: Job = created.body;
    for (let i = 0; i < 30 && job.status !== 'succeeded'; i++)
      job = (await service.json<Job>(`/v1/jobs/${job.id}?wait=5`, { key: bob })).body;
    expect(job.status).toBe('succeeded');

    const asAlice = await service.json<{ error: { details: { field: string }[] } }>('/v1/jobs', {
      method: 'POST',
      key: alice,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(stsRequest(uploaded.body.id)),
    });
    expect(asAlice.status).toBe(422);
    expect(asAlice.body.error.details.map((d) => d.field)).toContain('input.upload_id');
    expect((await service.request(`/v1/jobs/${job.id}`, { key: alice })).status).toBe(404);
    expect((await service.request(`/v1/jobs/${job.id}/outputs/audio`, { key: alice })).status).toBe(
      404,
    );
    expect(
      (await service.request(`/v1/jobs/${job.id}/cancel`, { method: 'POST', key: alice })).status,
    ).toBe(404);
    const list = await service.json<{ data: unknown[] }>('/v1/jobs', { key: alice });
    expect(list.body.data).toEqual([]);
    expect((await service.request(`/v1/jobs/${job.id}/outputs/audio`, { key: bob })).status).toBe(
      200,
    );
    expect((await service.request('/v1/jobs')).status).toBe(401);
    expect(service.logs.join('')).not.toContain(alice);
    expect(service.logs.join('')).not.toContain(bob);
  });
});

function totalRequests(service: TestService): number {
  const counters = service.simulator.counters();
  return Object.values(counters.requests).reduce((sum, n) => sum + n, 0);
}

function inFlight(service: TestService): number {
  return service.simulator.counters().in_flight;
}
