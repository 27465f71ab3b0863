import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyResolver, ownerOfKey } from '../../../src/api/auth.ts';

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
  const resolve = createKeyResolver(['key-one', 'key-two']);

  it('resolves a configured bearer key to its owner, case-insensitive on the scheme', () => {
    expect(resolve('Bearer key-one')).toBe(ownerOfKey('key-one'));
    expect(resolve('bearer key-two')).toBe(ownerOfKey('key-two'));
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
