import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyResolver, ownerOfKey } from '../../../src/api/auth.ts';
import { parseApiKeyItem } from '../../../src/shared/tenants/tenant-keys.ts';

describe('ownerOfKey', () => {
  it('is key_ and the first 16 hex digits of the key’s sha256', () => {
    const key = 'a-secret-key';
    expect(ownerOfKey(key)).toBe(
      `key_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`,
    );
    expect(ownerOfKey(key)).not.toContain(key);
    expect(ownerOfKey('other')).not.toBe(ownerOfKey(key));
  });
});

describe('createKeyResolver', () => {
  const resolve = createKeyResolver(['key-one', 'key-two'].map(parseApiKeyItem));

  it('resolves a configured bearer key to its owner, case-insensitive on the scheme', () => {
    expect(resolve('Bearer key-one')).toBe(ownerOfKey('key-one'));
    expect(resolve('bearer key-two')).toBe(ownerOfKey('key-two'));
  });

  it('resolves every key of a named tenant to the tenant', () => {
    const tenants = createKeyResolver(
      ['alpha:old-key', 'alpha:new-key', 'beta:b-key', 'bare-key'].map(parseApiKeyItem),
    );
    expect(tenants('Bearer old-key')).toBe('alpha');
    expect(tenants('Bearer new-key')).toBe('alpha');
    expect(tenants('Bearer b-key')).toBe('beta');
    expect(tenants('Bearer bare-key')).toBe(ownerOfKey('bare-key'));
    expect(tenants('Bearer alpha:old-key')).toBeNull();
  });

  it.each([
    undefined,
    '',
    'key-one',
    'Bearer',
    'Bearer ',
    'Bearer key-on',
    'Bearer key-one2',
    'Basic key-one',
    'Bearer key-one extra',
  ])('refuses %j', (header) => {
    expect(resolve(header)).toBeNull();
  });

  it('refuses everything when no key is configured', () => {
    expect(createKeyResolver([])('Bearer anything')).toBeNull();
  });
});
