import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/shared/config.ts';
import { createMetrics } from '../../../src/shared/metrics/metrics.ts';
import { metricsAuthCheck, metricsAuthSchema } from '../../../src/shared/metrics/metrics-auth.ts';
import { startMetricsServer } from '../../../src/runtime/metrics-server.ts';
import { startApiHarness, type ApiHarness } from './api-harness.ts';

const TOKEN = 'scrape-token-0123456789';
const TENANT_KEY = 'tenant-key-0123456789abcdef';

/**
 * METRICS_AUTH=bearer:<token> closes `/metrics` (the api's and a worker's METRICS_PORT
 * listener) to anyone without the token, tenants' API keys included; the probes stay public.
 */
describe('METRICS_AUTH', () => {
  describe('on the api', () => {
    let api: ApiHarness;
    let open: ApiHarness;
    beforeAll(async () => {
      api = await startApiHarness({
        apiKeys: [`acme:${TENANT_KEY}`],
        env: { METRICS_AUTH: `bearer:${TOKEN}` },
      });
      open = await startApiHarness({ apiKeys: [`acme:${TENANT_KEY}`] });
    });
    afterAll(async () => {
      await api?.close();
      await open?.close();
    });

    it('answers /metrics only with the token; an API key is not enough', async () => {
      const none = await api.call({ method: 'GET', url: '/metrics' });
      expect(none.statusCode).toBe(401);
      expect(none.json()).toMatchObject({ error: { code: 'unauthorized' } });
      expect(none.body).not.toContain('audiobatch_');

      const tenant = await api.call({ method: 'GET', url: '/metrics', key: TENANT_KEY });
      expect(tenant.statusCode).toBe(401);
      const wrong = await api.call({ method: 'GET', url: '/metrics', key: `${TOKEN}x` });
      expect(wrong.statusCode).toBe(401);

      const scraped = await api.call({ method: 'GET', url: '/metrics', key: TOKEN });
      expect(scraped.statusCode).toBe(200);
      expect(scraped.body).toContain('audiobatch_');
    });

    it('keeps the probes public', async () => {
      expect((await api.call({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const ready = await api.call({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).not.toBe(401);
    });

    it('leaves /metrics public when unset, auth on or not', async () => {
      const scraped = await open.call({ method: 'GET', url: '/metrics' });
      expect(scraped.statusCode).toBe(200);
      expect(scraped.body).toContain('audiobatch_');
    });

    it('never logs the token', () => {
      expect(api.logs.join('')).not.toContain(TOKEN);
    });
  });

  describe("on a worker's METRICS_PORT listener", () => {
    it('answers /metrics only with the token, the probes without', async () => {
      const metrics = createMetrics();
      const server = await startMetricsServer(
        metrics,
        '127.0.0.1',
        0,
        { ready: true, checks: { deployment: 'ok' } },
        metricsAuthCheck(metricsAuthSchema.parse(`bearer:${TOKEN}`)),
      );
      try {
        const none = await fetch(`${server.url}/metrics`);
        expect(none.status).toBe(401);
        expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(await none.json()).toMatchObject({ error: { code: 'unauthorized' } });
        const scraped = await fetch(`${server.url}/metrics`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(scraped.status).toBe(200);
        await scraped.text();
        expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
        expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      } finally {
        await server.close();
        metrics.registry.clear();
      }
    });
  });

  it('refuses a setting that is not bearer:<token of 16+ characters> at startup', () => {
    for (const value of ['bearer:short', 'basic:user:password-long-enough', TOKEN]) {
      expect(() => loadConfig({ NODE_ENV: 'test', METRICS_AUTH: value })).toThrow(ConfigError);
    }
    expect(loadConfig({ NODE_ENV: 'test', METRICS_AUTH: `bearer:${TOKEN}` }).METRICS_AUTH).toEqual({
      scheme: 'bearer',
      token: TOKEN,
    });
  });
});
