import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/api/app.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

/** RATE_LIMIT_PER_MINUTE per tenant, shared by every api process through Redis. */

const ALPHA = 'alpha-rate-key-4c9e1a7f3b';
const BETA = 'beta-rate-key-8f2d6b0e5a';

describe('request rate limit per tenant', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness({
      apiKeys: [`alpha:${ALPHA}`, `beta:${BETA}`],
      env: { RATE_LIMIT_PER_MINUTE: '120' },
    });
  });
  afterAll(async () => {
    await api.close();
  });

  it('answers beta 429 with Retry-After past the limit, across two api processes, while alpha is served', async () => {
    // A second intake on the same Redis: the budget is the tenant's, not the process's.
    const second = await buildApp(api.deps);
    try {
      const beta: LightMyRequestResponse[] = [];
      const alpha: LightMyRequestResponse[] = [];
      for (let i = 0; i < 200; i++) {
        const app = i % 2 === 0 ? api.app : second;
        beta.push(await app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(BETA) }));
        if (i % 10 === 0)
          alpha.push(await app.inject({ method: 'GET', url: '/v1/jobs', headers: bearer(ALPHA) }));
      }
      const limited = beta.filter((response) => response.statusCode === 429);
      expect(limited.length).toBeGreaterThanOrEqual(50);
      expect(beta.filter((r) => r.statusCode === 200).length).toBeLessThanOrEqual(120);
      for (const response of limited) {
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
        expect(response.headers['ratelimit-limit']).toBe('120');
        expect(response.headers['ratelimit-remaining']).toBe('0');
        expect(response.json()).toMatchObject({
          error: { code: 'rate_limited', details: [], request_id: expect.any(String) as unknown },
        });
      }
      const served = beta.find((response) => response.statusCode === 200);
      expect(served?.headers['ratelimit-limit']).toBe('120');
      expect(alpha.map((response) => response.statusCode)).toEqual(alpha.map(() => 200));
    } finally {
      await second.close();
    }
  });

  it('never limits probes, metrics or docs', async () => {
    for (let i = 0; i < 130; i++) {
      for (const url of ['/healthz', '/metrics', '/openapi.json']) {
        const response = await api.call({ method: 'GET', url });
        expect(response.statusCode, url).toBe(200);
        expect(response.headers['ratelimit-limit']).toBeUndefined();
      }
    }
  });
});

function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
