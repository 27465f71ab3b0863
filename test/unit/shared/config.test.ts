import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/shared/config.ts';

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
    expect(loadConfig({ HOST: '0.0.0.0', API_KEYS: 'a,b' }).API_KEYS).toEqual(['a', 'b']);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ REDIS_URL: '' }).REDIS_URL).toBeUndefined();
  });
});
