import { describe, expect, it } from 'vitest';
import { decodeJobRecord } from '../../../src/shared/jobs/job-record-codec.ts';
import {
  cacheScopeOf,
  jobCacheScope,
  parseCacheGroup,
} from '../../../src/shared/tenants/cache-groups.ts';

describe('cache scopes', () => {
  const groups = new Map([['studio', ['alpha', 'gamma']]]);

  it("is a tenant's own scope unless a group names it", () => {
    expect(cacheScopeOf(groups, 'alpha')).toBe('group.studio');
    expect(cacheScopeOf(groups, 'gamma')).toBe('group.studio');
    expect(cacheScopeOf(groups, 'beta')).toBe('tenant.beta');
    expect(cacheScopeOf(undefined, 'key_0123456789abcdef')).toBe('tenant.key_0123456789abcdef');
  });

  it('parses group:tenant+tenant and names what is wrong otherwise', () => {
    expect(parseCacheGroup('studio:alpha+beta')).toEqual({
      name: 'studio',
      tenants: ['alpha', 'beta'],
    });
    expect(parseCacheGroup('alpha+beta')).toMatch(/group:tenant\+tenant/);
    expect(parseCacheGroup('g:alpha+../x')).toMatch(/not a tenant name/);
  });

  it("reads a record written before scopes, which then uses its owner's own scope", () => {
    const legacy = {
      id: 'job_01',
      owner: 'key_0123456789abcdef',
      type: 'music_plan',
      status: 'queued',
      batch_id: null,
      custom_id: null,
      metadata: {},
      created_at: '2025-01-01T00:00:00.000Z',
      started_at: null,
      finished_at: null,
      attempts: 0,
      seed: null,
      fingerprint: null,
      cache: null,
      request: { type: 'music_plan', params: { prompt: 'x' } },
      input: null,
      outputs: [],
      upstream: null,
      error: null,
      cancel_requested: false,
    };
    // As a stored hash: one JSON-encoded field per attribute, read by the lenient decoder.
    const fields = Object.fromEntries(
      Object.entries(legacy).map(([key, value]) => [key, JSON.stringify(value)]),
    );
    const record = decodeJobRecord(fields);
    expect(record.cache_scope).toBeUndefined();
    expect(jobCacheScope(record)).toBe('tenant.key_0123456789abcdef');
    expect(jobCacheScope({ ...record, cache_scope: 'group.studio' })).toBe('group.studio');
  });
});
