import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerOfKey } from '../../../src/api/auth.ts';
import type { JobView } from '../../../src/shared/jobs/job-record.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

/** Named tenants: every key of a tenant sees what any of its keys created; others see nothing. */

const ALPHA_OLD = 'alpha-old-key-7c1d0e5b9a';
const ALPHA_NEW = 'alpha-new-key-2f8e4a6c1b';
const BETA = 'beta-key-9d3b7f2e0a';
const BARE = 'bare-key-5e0c8a1f4d';
const BARE_NEXT = 'bare-key-next-3a9f6b2c8e';

describe('named tenants', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness({
      apiKeys: [
        `alpha:${ALPHA_OLD}`,
        `alpha:${ALPHA_NEW}`,
        `beta:${BETA}`,
        BARE,
        // The bare key's tenant named explicitly: how a bare key is rotated.
        `${ownerOfKey(BARE)}:${BARE_NEXT}`,
      ],
    });
  });
  afterAll(async () => {
    await api.close();
  });

  it('lets a rotated key reach everything its tenant created with the old one', async () => {
    const job = await api.createJob({}, ALPHA_OLD);
    const record = await api.deps.jobs.get(job.id);
    expect(record?.owner).toBe('alpha');
    const read = await api.call({ method: 'GET', url: `/v1/jobs/${job.id}`, key: ALPHA_NEW });
    expect(read.statusCode).toBe(200);
    const list = await api.call({ method: 'GET', url: '/v1/jobs', key: ALPHA_NEW });
    expect(list.json<{ data: JobView[] }>().data.map((j) => j.id)).toContain(job.id);
    // An upload made with one key is the input of a job submitted with the other.
    const uploadId = await api.upload(undefined, ALPHA_NEW);
    const created = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      key: ALPHA_OLD,
      payload: {
        type: 'speech_to_speech',
        params: { voice_id: 'v' },
        input: { upload_id: uploadId },
      },
    });
    expect(created.statusCode).toBe(202);
  });

  it("keeps another tenant's resources out of reach (404)", async () => {
    const job = await api.createJob({}, ALPHA_OLD);
    const uploadId = await api.upload(undefined, ALPHA_OLD);
    const read = await api.call({ method: 'GET', url: `/v1/jobs/${job.id}`, key: BETA });
    expect(read.statusCode).toBe(404);
    const created = await api.call({
      method: 'POST',
      url: '/v1/jobs',
      key: BETA,
      payload: {
        type: 'speech_to_speech',
        params: { voice_id: 'v' },
        input: { upload_id: uploadId },
      },
    });
    expect(created.statusCode).toBe(422);
    const list = await api.call({ method: 'GET', url: '/v1/jobs', key: BETA });
    expect(list.json<{ data: JobView[] }>().data).toEqual([]);
  });

  it("keeps a bare key's owner id, so a key named for it later finds its records", async () => {
    const job = await api.createJob({}, BARE);
    expect((await api.deps.jobs.get(job.id))?.owner).toBe(ownerOfKey(BARE));
    const read = await api.call({ method: 'GET', url: `/v1/jobs/${job.id}`, key: BARE_NEXT });
    expect(read.statusCode).toBe(200);
  });

  it('refuses two Authorization headers with 400, whichever comes first', async () => {
    const pairs: [string, string][] = [
      [`Bearer ${ALPHA_OLD}`, `Bearer ${BETA}`],
      ['Bearer wrong', `Bearer ${ALPHA_OLD}`],
    ];
    // Over a real socket: an in-process inject folds repeated headers into one.
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.app.server.address() as AddressInfo;
    for (const [first, second] of pairs) {
      const response = await request(`http://127.0.0.1:${port}/v1/jobs`, {
        headers: ['authorization', first, 'authorization', second],
      });
      expect(response.statusCode).toBe(400);
      expect(await response.body.json()).toMatchObject({
        error: { code: 'duplicate_header', details: [{ field: 'authorization' }] },
      });
    }
  });
});
