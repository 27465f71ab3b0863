import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/shared/logger.ts';

/** Everything a logger built with `options` writes for one warning carrying a secret. */
function written(options: Parameters<typeof createLogger>[0]['format'], isTTY = false) {
  const destination = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  destination.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const logger = createLogger({ level: 'info', destination, format: options });
  logger.warn({ headers: { authorization: 'Bearer s3cret' } }, 'line one\nline two');
  logger.flush();
  return text;
}

describe('logger format', () => {
  it('writes JSON lines by default and for auto off a terminal', () => {
    for (const text of [written(undefined), written('auto'), written('json', true)]) {
      const line = JSON.parse(text.trim()) as { msg: string; headers: unknown };
      expect(line.msg).toBe('line one\nline two');
      expect(line.headers).toEqual({ authorization: '[redacted]' });
    }
  });

  it('is readable on a terminal (auto) or when asked for, secrets still redacted', () => {
    for (const text of [written('auto', true), written('pretty')]) {
      expect(text).toContain('line one\nline two');
      expect(text).toContain('[redacted]');
      expect(text).not.toContain('s3cret');
      expect(() => JSON.parse(text.trim()) as unknown).toThrow();
    }
  });
});
