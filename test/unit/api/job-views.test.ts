import { describe, expect, it } from 'vitest';
import { outputRoute, toJobView } from '../../../src/api/services/job-views.ts';
import type { JobRecord } from '../../../src/shared/jobs/job-record.ts';
import { jobViewSchema } from '../../../src/shared/jobs/job-record.ts';
import { jobRequestSchema } from '../../../src/shared/jobs/job-request.ts';

const record: JobRecord = {
  id: 'job_01jabcdefghjkmnpqrstvwxyz0',
  owner: 'key_0123456789abcdef',
  type: 'speech_to_speech',
  status: 'succeeded',
  batch_id: null,
  source: 'api',
  custom_id: 'a/b',
  metadata: { p: 1 },
  created_at: '2025-01-01T00:00:00.000Z',
  started_at: '2025-01-01T00:00:01.000Z',
  finished_at: '2025-01-01T00:00:02.000Z',
  attempts: 1,
  seed: 42,
  fingerprint: 'sha256:abc',
  cache: 'miss',
  request: jobRequestSchema.parse({
    type: 'speech_to_speech',
    params: { voice_id: 'abc', seed: 42 },
    input: { upload_id: 'upl_01jabcdefghjkmnpqrstvwxyz0' },
  }),
  input: { key: 'uploads/upl_x', url: null, sha256: 'f', bytes: 1, content_type: 'audio/wav' },
  outputs: [
    {
      name: 'audio',
      content_type: 'audio/mpeg',
      bytes: 3,
      sha256: 'e',
      duration_ms: 10,
      key: 'jobs/job_x/audio.mp3',
    },
  ],
  upstream: null,
  error: null,
  usage: { characters: 0, calls: 0, billed_calls: 0 },
  estimate: { characters: null },
  result: null,
  cancel_requested: false,
  record_version: 2,
  run_id: 'run_01jabcdefghjkmnpqrstvwxyz0',
  runs: 1,
  takeovers: 0,
  finishing: null,
  deployment: 'dep_0123456789abcdef',
};

describe('toJobView', () => {
  it('drops the owner, the storage keys and internal flags, and adds output URLs', async () => {
    const view = await toJobView(record, (r, output) =>
      Promise.resolve(outputRoute(r.id, output.name)),
    );
    expect(jobViewSchema.parse(view)).toEqual(view);
    expect(view.object).toBe('job');
    expect(view.outputs).toEqual([
      {
        name: 'audio',
        content_type: 'audio/mpeg',
        bytes: 3,
        sha256: 'e',
        duration_ms: 10,
        url: `/v1/jobs/${record.id}/outputs/audio`,
      },
    ]);
    const text = JSON.stringify(view);
    for (const hidden of [
      'key_0123456789abcdef',
      'uploads/upl_x',
      'jobs/job_x',
      'cancel_requested',
      '"owner"',
      'run_01jabcdefghjkmnpqrstvwxyz0',
      'dep_0123456789abcdef',
      'finishing',
      'record_version',
    ]) {
      expect(text).not.toContain(hidden);
    }
  });

  it("leaves out fields a record has that the view does not name (a newer release's)", async () => {
    const newer = { ...record, cost_center: 'internal' } as JobRecord;
    const view = await toJobView(newer, () => Promise.resolve('u'));
    expect(view).not.toHaveProperty('cost_center');
    expect(Object.keys(view)).toEqual(
      Object.keys(jobViewSchema.shape).filter((field) => field !== 'webhook_deliveries'),
    );
  });

  it('escapes ids and names in output routes', () => {
    expect(outputRoute('job_x', 'captions.vtt')).toBe('/v1/jobs/job_x/outputs/captions.vtt');
    expect(outputRoute('job_x', 'a/b')).toBe('/v1/jobs/job_x/outputs/a%2Fb');
  });
});
