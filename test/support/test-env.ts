import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { CreateStorageOptions } from '../../src/shared/storage/create-storage.ts';
import type {} from './global-setup.ts';
import { s3ConnectionOf, type S3ServerInfo } from './s3-server.ts';

/**
 * A name no other test (nor another run against the same servers) uses, for key prefixes and
 * queue prefixes: `<label>-<time>-<random>`, lowercase letters, digits and dashes only.
 */
export function uniquePrefix(label: string): string {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
  return `${safe || 'test'}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** The run's Redis (from globalSetup). */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/**
 * Everything a test needs to reach the run's S3 server: its connection info (`bucket`,
 * `endpoint`, credentials, ...) and, ready for `createStorage`, a `url` under
 * `test/<prefix>` of its bucket plus the matching `s3` client options.
 */
export type TestS3Options = S3ServerInfo & CreateStorageOptions;

/** See {@link TestS3Options}; `prefix` defaults to a fresh {@link uniquePrefix}. */
export function testS3Options(prefix: string = uniquePrefix('s3')): TestS3Options {
  const server = inject('s3');
  return { ...server, url: `s3://${server.bucket}/test/${prefix}`, s3: s3ConnectionOf(server) };
}
