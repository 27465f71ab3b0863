import { describe, expect, it } from 'vitest';
import { scrubUrl } from '../../../src/shared/net/scrub-url.ts';

describe('scrubUrl', () => {
  it.each([
    ['/v1/jobs?api_key=s3cret', '/v1/jobs?api_key=[redacted]'],
    ['/v1/jobs?limit=5&key=s3cret&status=queued', '/v1/jobs?limit=5&key=[redacted]&status=queued'],
    [
      '/x?xi-api-key=a&XI_API_KEY=b&token=c',
      '/x?xi-api-key=[redacted]&XI_API_KEY=[redacted]&token=[redacted]',
    ],
    ['/x?api%5Fkey=s3cret#top', '/x?api%5Fkey=[redacted]#top'],
    ['/x?key', '/x?key=[redacted]'],
    ['/x?%E0%A4%A=1', '/x?%E0%A4%A=1'],
    [
      'https://h.example/a?X-Amz-Signature=abc&b=2',
      'https://h.example/a?X-Amz-Signature=[redacted]&b=2',
    ],
    ['/v1/jobs', '/v1/jobs'],
    ['/v1/jobs?monkey=1&keys=2', '/v1/jobs?monkey=1&keys=2'],
  ])('%s → %s', (url, expected) => {
    expect(scrubUrl(url)).toBe(expected);
  });
});
