import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness, type Call } from './api-harness.ts';

/**
 * Keys never reach the log: not from headers (redacted), not from query strings (scrubbed),
 * whether the request is served or refused. Every line the app wrote is searched.
 */

const ALPHA = 'alpha-log-key-0f4e9b2d7c1a';
const BARE = 'bare-log-key-8c3a1e6f0b5d';
const ADMIN = 'admin-log-key-6d2b9f4a1c7e';
const WRONG = 'wrong-log-key-1a7c3e9f5b2d';
const SECRETS = [ALPHA, BARE, ADMIN, WRONG];

describe('secrets never logged', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness({
      apiKeys: [`alpha:${ALPHA}`, BARE],
      env: { ADMIN_API_KEY: ADMIN },
    });
  });
  afterAll(async () => {
    await api.close();
  });

  const calls: Call[] = [
    { method: 'GET', url: '/v1/jobs', key: ALPHA },
    { method: 'GET', url: '/v1/jobs', key: WRONG },
    { method: 'GET', url: `/v1/jobs?api_key=${ALPHA}` },
    { method: 'GET', url: `/v1/jobs?limit=5&key=${BARE}&token=${WRONG}`, key: ALPHA },
    { method: 'GET', url: `/v1/jobs?xi-api-key=${ALPHA}&XI_API_KEY=${BARE}` },
    { method: 'GET', url: `/v1/jobs?Api-Key=${encodeURIComponent(ALPHA)}#frag` },
    { method: 'GET', url: `/v1/not-a-route?access_token=${ALPHA}` },
    { method: 'GET', url: `/healthz?api_key=${BARE}` },
    { method: 'GET', url: '/v1/jobs', headers: { 'xi-api-key': ALPHA, 'x-api-key': BARE } },
    { method: 'POST', url: `/v1/jobs?api_key=${ALPHA}`, key: ALPHA, payload: { type: 'nope' } },
    { method: 'POST', url: `/v1/uploads?token=${BARE}`, key: BARE, payload: Buffer.from('x') },
    { method: 'GET', url: `/v1/admin/queues?api_key=${ADMIN}`, key: WRONG },
    { method: 'GET', url: '/v1/admin/queues', key: ADMIN },
    {
      method: 'GET',
      url: '/v1/jobs',
      // Two headers (refused with 400): both keys must stay out of the log.
      headers: { authorization: [`Bearer ${ALPHA}`, `Bearer ${WRONG}`] as unknown as string },
    },
  ];

  it('writes request lines for every call, none holding a key', async () => {
    for (const call of calls) {
      const response = await api.call(call);
      expect(response.statusCode).toBeLessThan(500);
    }
    const text = api.logs.join('');
    expect(text).toContain('request completed');
    expect(text).toContain('[redacted]');
    for (const secret of SECRETS) {
      const leaks = api.logs.filter((line) => line.includes(secret));
      expect(leaks, `log lines holding ${secret.slice(0, 5)}…`).toEqual([]);
    }
  });
});
