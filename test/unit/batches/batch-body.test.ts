import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readNdjson, withQueryFields } from '../../../src/api/services/batch-body.ts';
import { AppError } from '../../../src/shared/errors.ts';

const chunked = (text: string, size: number) => {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
};

describe('NDJSON batch bodies', () => {
  it('parses line by line across chunk boundaries, multi-byte characters, CRLF and blank lines', async () => {
    const text = '{"custom_id":"é/ü"}\r\n\n{"n":2}\n  \n{"n":"→3"}';
    for (const size of [1, 2, 3, 7, 1024]) {
      const body = await readNdjson(chunked(text, size), 1024);
      expect(body.items).toEqual([{ custom_id: 'é/ü' }, { n: 2 }, { n: '→3' }]);
      expect(body.digest).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('names the bad line, and refuses bodies over the limit', async () => {
    const bad = await readNdjson(chunked('{"a":1}\n{oops\n', 4), 1024).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AppError);
    expect(bad).toMatchObject({ code: 'invalid_json', details: [{ field: 'line 2' }] });
    const big = await readNdjson(chunked(`${'{"a":1}\n'.repeat(100)}`, 64), 100).catch(
      (e: unknown) => e,
    );
    expect(big).toMatchObject({ code: 'payload_too_large', httpStatus: 413 });
  });

  it('takes batch fields from the query only for NDJSON', () => {
    const body = { items: [{}] };
    expect(withQueryFields(body, { seed: 3, webhook_url: 'https://x.test/h' }, 'ndjson')).toEqual({
      items: [{}],
      seed: 3,
      webhook: { url: 'https://x.test/h' },
    });
    expect(() => withQueryFields(body, { seed: 3 }, 'json')).toThrow(/JSON body/);
    expect(withQueryFields(body, {}, 'json')).toBe(body);
  });
});
