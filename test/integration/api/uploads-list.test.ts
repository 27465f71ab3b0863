import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sineWav } from '../e2e/audio-fixtures.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

const ACME = 'acme-key-0123456789abcdef';
const BETA = 'beta-key-0123456789abcdef';
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface UploadList {
  object: 'list';
  data: { id: string; object: 'upload'; sha256: string; bytes: number }[];
  next_cursor: string | null;
}

/**
 * `GET /v1/uploads`: the caller's uploads newest first, paged, or those of one sha256 (what
 * the CLI asks before uploading a file again). Its indexes go with each upload's deletion.
 */
describe('GET /v1/uploads', () => {
  let api: ApiHarness;
  const same = sineWav(0.1, 16_000, 220);
  const other = sineWav(0.1, 16_000, 330);
  const betas = sineWav(0.1, 16_000, 440);
  const ids: string[] = [];
  let betaId: string;

  const list = async (query: string, key = ACME) => {
    const response = await api.call({ method: 'GET', url: `/v1/uploads${query}`, key });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<UploadList>();
  };

  beforeAll(async () => {
    api = await startApiHarness({ apiKeys: [`acme:${ACME}`, `beta:${BETA}`] });
    // Sequential: ids (ULIDs) then sort in the order made.
    for (const bytes of [same, other, same]) ids.push(await api.upload(bytes, ACME));
    betaId = await api.upload(betas, BETA);
  });
  afterAll(async () => {
    await api?.close();
  });

  it("pages through the caller's uploads, newest first, and only the caller's", async () => {
    const first = await list('?limit=2');
    expect(first.object).toBe('list');
    expect(first.data.map((upload) => upload.id)).toEqual([ids[2], ids[1]]);
    expect(first.data[0]).toMatchObject({ object: 'upload', sha256: sha256(same) });
    expect(first.next_cursor).toBe(ids[1]);
    const second = await list(`?limit=2&cursor=${first.next_cursor}`);
    expect(second.data.map((upload) => upload.id)).toEqual([ids[0]]);
    expect(second.next_cursor).toBeNull();

    const beta = await list('', BETA);
    expect(beta.data.map((upload) => upload.id)).toEqual([betaId]);
  });

  it('finds the uploads of one sha256 (any case), the caller’s only', async () => {
    const found = await list(`?sha256=${sha256(same)}`);
    expect(found.data.map((upload) => upload.id)).toEqual([ids[2], ids[0]]);
    const upper = await list(`?sha256=${sha256(same).toUpperCase()}`);
    expect(upper.data.map((upload) => upload.id)).toEqual([ids[2], ids[0]]);
    expect((await list(`?sha256=${sha256(betas)}`)).data).toEqual([]);
    expect((await list(`?sha256=${sha256(Buffer.from('never uploaded'))}`)).data).toEqual([]);
  });

  it('refuses a malformed sha256 or cursor (422)', async () => {
    for (const query of ['?sha256=abc', '?cursor=job_01', '?limit=0', '?other=1']) {
      const response = await api.call({ method: 'GET', url: `/v1/uploads${query}`, key: ACME });
      expect(response.statusCode, query).toBe(422);
    }
  });

  it('needs a key when auth is on', async () => {
    const response = await api.call({ method: 'GET', url: '/v1/uploads' });
    expect(response.statusCode).toBe(401);
  });

  it('drops a deleted upload from both indexes; the last deletion leaves no index key', async () => {
    const remove = (id: string, key: string) =>
      api.call({ method: 'DELETE', url: `/v1/uploads/${id}`, key });
    expect((await remove(ids[2] as string, ACME)).statusCode).toBe(204);
    expect((await list(`?sha256=${sha256(same)}`)).data.map((u) => u.id)).toEqual([ids[0]]);
    expect((await list('')).data.map((u) => u.id)).toEqual([ids[1], ids[0]]);

    for (const id of [ids[0], ids[1]])
      expect((await remove(id as string, ACME)).statusCode).toBe(204);
    expect((await remove(betaId, BETA)).statusCode).toBe(204);
    expect((await list('')).data).toEqual([]);
    const left = await api.deps.redis.keys(`${api.prefix}:idx:owner:*`);
    expect(left).toEqual([]);
  });
});
