import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

/**
 * One log line per request (issue 10, B1: a synchronous line to stdout was the intake's
 * largest cost after Redis): written when the request is answered, with what the two default
 * lines held between them. Keys stay out of it: secrets-in-logs.test.ts.
 */
describe('request log', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => {
    await api.close();
  });

  const linesOf = (requestId: string) =>
    api.logs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.reqId === requestId);

  it('writes one line per answered request: method, URL, status and time', async () => {
    const response = await api.call({ method: 'GET', url: '/v1/jobs?limit=5' });
    expect(response.statusCode).toBe(200);
    const lines = linesOf(String(response.headers['x-request-id']));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'request completed',
      req: { method: 'GET', url: '/v1/jobs?limit=5' },
      res: { statusCode: 200 },
    });
    expect(typeof lines[0]?.responseTime).toBe('number');
  });

  it('writes one line for a refused request too', async () => {
    const response = await api.call({ method: 'POST', url: '/v1/jobs', payload: { type: 'nope' } });
    expect(response.statusCode).toBe(422);
    const lines = linesOf(String(response.headers['x-request-id']));
    expect(lines.filter((line) => line.msg === 'request completed')).toHaveLength(1);
    expect(lines.filter((line) => line.msg === 'incoming request')).toEqual([]);
  });
});
