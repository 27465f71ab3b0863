import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/shared/config.ts';
import { ownerOfKey } from '../../../src/shared/tenants/tenant-keys.ts';

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.STORAGE_URL).toBe('file://./data/objects');
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.ELEVENLABS_API_KEY).toBeUndefined();
    expect(config.PORT).toBe(3000);
    expect(config.S3_CHECKSUM_MODE).toBe('WHEN_REQUIRED');
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', UPSTREAM_CONCURRENCY: '0', S3_FORCE_PATH_STYLE: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT');
    expect(problems).toContain('UPSTREAM_CONCURRENCY');
    expect(problems).toContain('S3_FORCE_PATH_STYLE');
  });

  it('refuses production without an upstream key (no silent simulator)', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/ELEVENLABS_API_KEY/);
  });

  it('refuses a public interface without API keys', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/HOST/);
    expect(loadConfig({ HOST: '0.0.0.0', API_KEYS: 'a,b' }).API_KEYS).toEqual([
      { tenant: ownerOfKey('a'), key: 'a' },
      { tenant: ownerOfKey('b'), key: 'b' },
    ]);
  });

  it('reads API_KEYS as tenant:key pairs, bare keys keeping their digest owner', () => {
    const config = loadConfig({ API_KEYS: 'alpha:k1, alpha:k2,beta:k3,bare,a/b:c' });
    expect(config.API_KEYS).toEqual([
      { tenant: 'alpha', key: 'k1' },
      { tenant: 'alpha', key: 'k2' },
      { tenant: 'beta', key: 'k3' },
      { tenant: ownerOfKey('bare'), key: 'bare' },
      // Not a tenant name before the colon: a bare key with a colon, as before tenants.
      { tenant: ownerOfKey('a/b:c'), key: 'a/b:c' },
    ]);
  });

  it('refuses reserved tenant names and a key listed twice, without echoing the key', () => {
    const problems = configProblems({ API_KEYS: 'local:k1,alpha:secret-k,beta:secret-k' });
    expect(problems).toMatch(/"local" is reserved/);
    expect(problems).toMatch(/listed twice \(tenants alpha, beta\)/);
    expect(problems).not.toContain('secret-k');
  });

  it('reads CACHE_GROUPS and checks its tenants against API_KEYS', () => {
    const config = loadConfig({
      API_KEYS: 'alpha:k1,beta:k2,gamma:k3',
      CACHE_GROUPS: 'studio:alpha+beta',
    });
    expect(config.CACHE_GROUPS).toEqual(new Map([['studio', ['alpha', 'beta']]]));
    expect(
      configProblems({ API_KEYS: 'alpha:k1,beta:k2', CACHE_GROUPS: 'g:alpha+zeta,h:beta+alpha' }),
    ).toMatch(/zeta has no key[\s\S]*alpha is in two groups/);
    expect(configProblems({ API_KEYS: 'alpha:k1', CACHE_GROUPS: 'g:alpha' })).toMatch(
      /at least two tenants/,
    );
  });

  it('reads TENANT_WEIGHTS as tenant → weight, refusing what is not a positive weight', () => {
    expect(loadConfig({ TENANT_WEIGHTS: 'alpha:3, beta:0.5' }).TENANT_WEIGHTS).toEqual(
      new Map([
        ['alpha', 3],
        ['beta', 0.5],
      ]),
    );
    expect(loadConfig({}).TENANT_WEIGHTS).toBeUndefined();
    expect(configProblems({ TENANT_WEIGHTS: 'alpha:0,beta:x,gamma:,delta:5000' })).toMatch(
      /alpha: weight "0"[\s\S]*beta: weight "x"[\s\S]*gamma: weight ""[\s\S]*delta: weight "5000"/,
    );
    expect(configProblems({ TENANT_WEIGHTS: 'alpha:2,alpha:3' })).toMatch(/alpha is given twice/);
    expect(configProblems({ TENANT_WEIGHTS: '3' })).toMatch(/must be tenant:weight/);
  });

  it('has per-tenant limits with defaults', () => {
    const config = loadConfig({});
    expect(config.RATE_LIMIT_PER_MINUTE).toBe(600);
    expect(config.MAX_QUEUED_JOBS_PER_TENANT).toBe(100_000);
  });

  function configProblems(env: Record<string, string>): string {
    try {
      loadConfig(env);
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  }

  it('treats empty variables as unset', () => {
    expect(loadConfig({ REDIS_URL: '' }).REDIS_URL).toBeUndefined();
  });
});
