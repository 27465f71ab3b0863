import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/eventually.ts';
import { decodedDurationSeconds, sineWav } from './audio-fixtures.ts';
import { SIMULATOR_KEY, startTestService, type TestService } from './service-harness.ts';
import type { SubmitStatus } from './e2e-helpers.ts';

type Output = {
  name: string;
  bytes: number;
  sha256: string;
  duration_ms: number | null;
  content_type: string;
};
type Job = {
  id: string;
  status: string;
  seed: number | null;
  attempts: number;
  cache: string | null;
  outputs: Output[];
  upstream: { calls: number; endpoint: string; request_id: string | null } | null;
  error: { code: string; upstream_code: string | null; retryable: boolean } | null;
};

const input = sineWav(2);
const SIX = ['vocals', 'drums', 'bass', 'guitar', 'piano', 'other'];

async function upload(service: TestService): Promise<string> {
  const { status, body } = await service.json<{ id: string }>('/v1/uploads', {
    method: 'POST',
    headers: { 'content-type': 'audio/wav' },
    body: input,
  });
  expect(status).toBe(201);
  return body.id;
}

/** 202 queued, 200 for a request the cache answers at intake, or `either` (e2e-helpers.ts). */
async function submit(
  service: TestService,
  request: object,
  expected: SubmitStatus = 202,
): Promise<Job> {
  const { status, body } = await service.json<Job>('/v1/jobs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  if (expected === 'either') expect([200, 202], JSON.stringify(body)).toContain(status);
  else expect(status, JSON.stringify(body)).toBe(expected);
  return body;
}

async function waitFinished(service: TestService, id: string): Promise<Job> {
  for (let i = 0; i < 30; i++) {
    const { body } = await service.json<Job>(`/v1/jobs/${id}?wait=10`);
    if (['succeeded', 'failed', 'canceled'].includes(body.status)) return body;
  }
  throw new Error(`job ${id} did not finish`);
}

async function run(
  service: TestService,
  request: object,
  expected: SubmitStatus = 202,
): Promise<Job> {
  return waitFinished(service, (await submit(service, request, expected)).id);
}

async function download(service: TestService, job: Job, name: string): Promise<Buffer> {
  let response = await service.request(`/v1/jobs/${job.id}/outputs/${name}`);
  if (response.status === 302) response = await fetch(response.headers.get('location') as string);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function stemsRequest(uploadId: string, params: object = {}, extra: object = {}) {
  return { type: 'stem_separation', params, input: { upload_id: uploadId }, ...extra };
}

/** What the simulator answers this input with, asked directly: it is deterministic. */
async function archiveFromSimulator(service: TestService, fields: Record<string, string>) {
  const { output_format: format = 'mp3_44100_128', ...rest } = fields;
  const form = new FormData();
  form.append('file', new Blob([input]), 'input.wav');
  for (const [name, value] of Object.entries(rest)) form.append(name, value);
  const url = `${service.simulator.url}/v1/music/stem-separation?output_format=${format}`;
  const response = await fetch(url, {
    method: 'POST',
    body: form,
    headers: { 'xi-api-key': SIMULATOR_KEY },
  });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

/** Each stem output equals its archive entry, and the names are the archive's, in order. */
async function expectStemsFromArchive(service: TestService, job: Job): Promise<Buffer> {
  const zip = await download(service, job, 'stems.zip');
  const entries = Object.entries(unzipSync(zip));
  const stems = job.outputs.filter((output) => output.name !== 'stems.zip');
  // The worker's naming: base name without extension, lowercased, other characters as `_`.
  const stemName = (file: string) =>
    `stem.${file
      .slice(0, file.lastIndexOf('.'))
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '_')}`;
  expect(stems.map((s) => s.name)).toEqual(entries.map(([file]) => stemName(file)));
  for (const [index, [, bytes]] of entries.entries()) {
    const stem = stems[index] as Output;
    const stored = await download(service, job, stem.name);
    expect(sha256(stored)).toBe(sha256(bytes));
    expect(stem.sha256).toBe(sha256(bytes));
  }
  return zip;
}

describe.each(['file', 's3'] as const)('stem_separation end to end (%s storage)', (storage) => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ storage });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('six stems: stems.zip exactly as sent, one decodable stem per entry, input-long', async () => {
    const done = await run(service, stemsRequest(await upload(service)));
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.seed).toBeNull();
    expect(done.upstream).toMatchObject({ endpoint: '/v1/music/stem-separation', calls: 1 });
    expect(done.outputs.map((o) => o.name)).toEqual(['stems.zip', ...SIX.map((s) => `stem.${s}`)]);

    const sent = await archiveFromSimulator(service, { stem_variation_id: 'six_stems_v1' });
    const [archive] = done.outputs;
    expect(archive).toMatchObject({ content_type: 'application/zip', bytes: sent.length });
    expect(archive?.sha256).toBe(sha256(sent));
    expect(sha256(await expectStemsFromArchive(service, done))).toBe(sha256(sent));

    for (const stem of done.outputs.slice(1)) {
      expect(stem.content_type).toBe('audio/mpeg');
      const bytes = await download(service, done, stem.name);
      expect(Math.abs((await decodedDurationSeconds(bytes, 'audio/mpeg')) - 2)).toBeLessThan(0.02);
      expect(Math.abs((stem.duration_ms ?? 0) - 2000)).toBeLessThan(20);
    }
  });
});

describe('stem_separation variants, failures and the one-shot form', () => {
  let service: TestService;
  let uploadId: string;
  beforeAll(async () => {
    service = await startTestService({ storage: 'file' });
    uploadId = await upload(service);
  });
  afterAll(async () => {
    await service?.stop();
  });

  async function storedUnder(job: Job): Promise<string[]> {
    const root = new URL(service.config.STORAGE_URL).pathname;
    return readdir(`${root}/jobs/${job.id}`).catch(() => []);
  }

  /** The worker writes the cache pointer just after announcing the job finished. */
  async function cachePointerWritten(job: Job): Promise<void> {
    const root = new URL(service.config.STORAGE_URL).pathname;
    const { fingerprint } = (await service.json<{ fingerprint: string }>(`/v1/jobs/${job.id}`))
      .body;
    const path = `${root}/cache/tenant.local/${fingerprint.replace(/^sha256:/, '')}.json`;
    await waitUntil('the cache pointer is written', () =>
      readFile(path).then(
        () => true,
        () => false,
      ),
    );
  }

  it('two stems: names come from the archive (configured in the simulator)', async () => {
    service.simulator.configure({ stems: { twoStemNames: ['Lead Voice', 'backing'] } });
    try {
      const params = { stem_variation_id: 'two_stems_v1', output_format: 'pcm_16000' };
      const done = await run(service, stemsRequest(uploadId, params));
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      expect(done.outputs.map((o) => o.name)).toEqual([
        'stems.zip',
        'stem.lead_voice',
        'stem.backing',
      ]);
      for (const stem of done.outputs.slice(1)) {
        expect(stem).toMatchObject({ content_type: 'audio/L16', bytes: 64_000, duration_ms: 2000 });
      }
      await expectStemsFromArchive(service, done);
    } finally {
      service.simulator.configure({ stems: { twoStemNames: ['vocals', 'instrumental'] } });
    }
  });

  it.each(['truncate', 'bit_flip'] as const)(
    'a corrupt archive (%s) fails the attempt as retryable; the retry stores the whole answer',
    async (corruption) => {
      const params = { output_format: 'mp3_22050_32' };
      // The reference: the second case's is answered from the first's cache.
      const clean = await run(service, stemsRequest(uploadId, params), 'either');
      service.simulator.configure({ stems: { corruptNext: 1, corruption } });
      const done = await run(service, stemsRequest(uploadId, params, { cache: 'bypass' }));
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      expect(done.attempts).toBe(2);
      expect(done.upstream?.calls).toBe(2);
      expect(done.outputs.map((o) => [o.name, o.sha256])).toEqual(
        clean.outputs.map((o) => [o.name, o.sha256]),
      );
      const root = new URL(service.config.STORAGE_URL).pathname;
      const jobJson = JSON.parse(await readFile(`${root}/jobs/${done.id}/job.json`, 'utf8')) as {
        attempts: { outcome: string; upstream_code: string | null }[];
      };
      expect(jobJson.attempts.map((a) => [a.outcome, a.upstream_code])).toEqual([
        ['retry', 'corrupt_archive'],
        ['succeeded', null],
      ]);
    },
  );

  it('an archive corrupt on every attempt fails the job and leaves no stem behind', async () => {
    service.simulator.configure({ stems: { corruptNext: 100, corruption: 'bit_flip' } });
    try {
      const done = await run(service, stemsRequest(uploadId, {}, { cache: 'bypass' }));
      expect(done.status).toBe('failed');
      expect(done.error).toMatchObject({ code: 'corrupt_archive', retryable: true });
      expect(done.attempts).toBe(service.config.JOB_ATTEMPTS);
      expect(done.outputs).toEqual([]);
      const left = await storedUnder(done);
      expect(left.filter((name) => name.startsWith('stem'))).toEqual([]);
    } finally {
      service.simulator.configure({ stems: { corruptNext: 0 } });
    }
  });

  it.each([
    [['../escape', 'backing'], 'unsafe_archive_entry'],
    [['Vocals', 'vocals'], 'duplicate_archive_entry'],
  ] as const)('entry names %j fail the job at once (%s), storing nothing', async (names, code) => {
    service.simulator.configure({ stems: { twoStemNames: [...names] } });
    try {
      const params = { stem_variation_id: 'two_stems_v1' };
      const done = await run(service, stemsRequest(uploadId, params, { cache: 'bypass' }));
      expect(done.status).toBe('failed');
      expect(done.error).toMatchObject({ code, retryable: false });
      expect(done.attempts).toBe(1);
      expect((await storedUnder(done)).filter((name) => name.startsWith('stem'))).toEqual([]);
    } finally {
      service.simulator.configure({ stems: { twoStemNames: ['vocals', 'instrumental'] } });
    }
  });

  it('one-shot multipart: the audio part is the input to separate', async () => {
    const form = new FormData();
    const request = { type: 'stem_separation', params: { output_format: 'ulaw_8000' } };
    form.set('request', JSON.stringify(request));
    form.set('audio', new Blob([input], { type: 'audio/wav' }), 'song.wav');
    const { status, body } = await service.json<Job>('/v1/jobs', { method: 'POST', body: form });
    expect(status, JSON.stringify(body)).toBe(202);
    const done = await waitFinished(service, body.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.outputs).toHaveLength(7);
    for (const stem of done.outputs.slice(1)) {
      expect(stem).toMatchObject({ content_type: 'audio/basic', bytes: 16_000, duration_ms: 2000 });
    }
  });

  it('answers a repeated request from the cache, every output copied', async () => {
    const params = { output_format: 'pcm_8000' };
    const first = await run(service, stemsRequest(uploadId, params));
    await cachePointerWritten(first);
    const calls = service.simulator.counters().requests['POST /v1/music/stem-separation'];
    const second = await run(service, stemsRequest(uploadId, params), 200);
    expect(second.cache).toBe('hit');
    expect(service.simulator.counters().requests['POST /v1/music/stem-separation']).toBe(calls);
    expect(second.outputs.map((o) => [o.name, o.sha256])).toEqual(
      first.outputs.map((o) => [o.name, o.sha256]),
    );
    await expectStemsFromArchive(service, second);
  });
});
