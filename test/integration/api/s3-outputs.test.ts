import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../../src/shared/jobs/job-record.ts';
import { multipartBody, startApiHarness, type ApiHarness } from './api-harness.ts';
import { testAudio } from '../../support/audio-bytes.ts';

/** With S3 storage, outputs are presigned redirects and one-shot audio lands in the bucket. */
describe('jobs on S3 storage', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness({ storage: 's3' });
  });
  afterAll(async () => {
    await api.close();
  });

  it('stores one-shot audio in S3, and redirects output downloads to a presigned URL', async () => {
    const form = await multipartBody({
      request: JSON.stringify({ type: 'speech_to_speech', params: { voice_id: 'abc' } }),
      audio: { data: testAudio(300, 5), type: 'audio/wav' },
    });
    const created = await api.call({ method: 'POST', url: '/v1/jobs', ...form });
    expect(created.statusCode).toBe(202);
    const job = created.json<JobView>();
    const { upload_id } = ('input' in job.request ? job.request.input : {}) as {
      upload_id: string;
    };
    expect(await api.deps.storage.head(`uploads/${upload_id}`)).toMatchObject({ bytes: 300 });

    const bytes = Buffer.from('fake mp3 bytes');
    const key = `jobs/${job.id}/audio.mp3`;
    const stored = await api.deps.storage.put(key, bytes, { contentType: 'audio/mpeg' });
    await api.finishJob(job.id, {
      status: 'succeeded',
      outputs: [
        {
          name: 'audio',
          content_type: 'audio/mpeg',
          bytes: stored.bytes,
          sha256: stored.sha256,
          duration_ms: 100,
          key,
        },
      ],
    });
    const view = (await api.call({ method: 'GET', url: `/v1/jobs/${job.id}` })).json<JobView>();
    expect(view.outputs[0]?.url).toMatch(/^https?:\/\/.*X-Amz-Signature=/);

    const redirect = await api.call({ method: 'GET', url: `/v1/jobs/${job.id}/outputs/audio` });
    expect(redirect.statusCode).toBe(302);
    const location = String(redirect.headers.location);
    expect(location).toContain('X-Amz-Expires=900');
    const download = await fetch(location);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });
});
