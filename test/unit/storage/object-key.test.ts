import { describe, expect, it } from 'vitest';
import {
  assertValidKey,
  assertValidPrefix,
  InvalidObjectKeyError,
} from '../../../src/shared/storage/object-key.ts';

describe('assertValidKey', () => {
  it.each(['a', 'uploads/upl_01J', 'jobs/job_1/audio.mp3', 'a.b/c-d_e', 'é/ü', '.hidden/x'])(
    'accepts %j',
    (key) => {
      expect(assertValidKey(key)).toBe(key);
    },
  );

  it.each([
    ['', /empty/],
    ['/abs', /relative/],
    ['../x', /"\."/],
    ['a/../b', /"\."/],
    ['a/./b', /"\."/],
    ['..', /"\."/],
    ['a//b', /empty path segments/],
    ['a/', /empty path segments/],
    ['a\\b', /backslash/],
    ['a\u0000b', /control/],
    ['a\nb', /control/],
    ['x'.repeat(1025), /1024 bytes/],
  ])('refuses %j', (key, reason) => {
    const error = (() => {
      try {
        assertValidKey(key);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidObjectKeyError);
    expect(error).toMatchObject({ code: 'invalid_key', httpStatus: 400 });
    expect((error as Error).message).toMatch(reason);
  });
});

describe('assertValidPrefix', () => {
  it.each(['', 'a', 'a/', 'jobs/job_1/', 'jobs/jo'])('accepts %j', (prefix) => {
    expect(assertValidPrefix(prefix)).toBe(prefix);
  });

  it.each(['/', '/a', '../', 'a//', 'a//b/', 'a\\'])('refuses %j', (prefix) => {
    expect(() => assertValidPrefix(prefix)).toThrow(InvalidObjectKeyError);
  });
});
