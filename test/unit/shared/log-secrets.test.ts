import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from '../../../src/shared/log-secrets.ts';

/** A log line as pino writes it: one JSON object and a newline. */
const lineOf = (fields: Record<string, unknown>) =>
  `${JSON.stringify({ level: 30, time: 1, msg: 'm', ...fields })}\n`;
const parsed = (line: string) => JSON.parse(line) as Record<string, unknown>;

describe('redactSecrets', () => {
  it('leaves a line without secret fields as it is, byte for byte', () => {
    const line = lineOf({ req: { method: 'GET', url: '/v1/jobs/job_1' }, note: 'api_key in text' });
    expect(redactSecrets(line)).toBe(line);
  });

  it('blanks secret fields at any depth and in any case, whatever their value', () => {
    const line = lineOf({
      headers: { Authorization: 'Bearer s3cret', 'xi-api-key': 's3cret' },
      config: {
        ELEVENLABS_API_KEY: 's3cret',
        API_KEYS: ['s3cret-1', 's3cret-2'],
        UPSTREAM_ACCOUNTS: [{ name: 'acme', api_key: 's3cret' }],
        storage: { s3: { credentials: { secretAccessKey: 's3cret' } } },
      },
      webhook: { secret: { nested: 's3cret' } },
    });
    const redacted = redactSecrets(line);
    expect(redacted).not.toContain('s3cret');
    expect(redacted.endsWith('\n')).toBe(true);
    expect(parsed(redacted)).toEqual({
      level: 30,
      time: 1,
      msg: 'm',
      headers: { Authorization: REDACTED, 'xi-api-key': REDACTED },
      config: {
        ELEVENLABS_API_KEY: REDACTED,
        API_KEYS: REDACTED,
        UPSTREAM_ACCOUNTS: REDACTED,
        storage: { s3: { credentials: { secretAccessKey: REDACTED } } },
      },
      webhook: { secret: REDACTED },
    });
  });

  it('does not take a secret field name inside a string for a field', () => {
    const line = lineOf({ msg: 'sent {"api_key":"not a field"}' });
    expect(redactSecrets(line)).toBe(line);
  });

  it('never lets a secret value through, wherever the field sits', () => {
    const names = fc.constantFrom('authorization', 'Cookie', 'api_key', 'apiKey', 'WEBHOOK_SECRET');
    const plain = fc.string().filter((key) => !/key|secret|auth|cookie|accounts/i.test(key));
    fc.assert(
      fc.property(fc.array(plain, { maxLength: 4 }), names, (path, name) => {
        const fields = path.reduceRight<Record<string, unknown>>(
          (inner, key) => ({ [`f_${key}`]: inner }),
          { [name]: 'the-secret-value' },
        );
        expect(redactSecrets(lineOf({ wrap: fields }))).not.toContain('the-secret-value');
      }),
    );
  });
});
