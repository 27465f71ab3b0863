import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createSigner } from '../../../src/shared/webhooks/webhook-signature.ts';
import { webhookProblems } from '../../../src/shared/webhooks/webhook-target.ts';

const secret = `whsec_${randomBytes(32).toString('base64')}`;

describe('webhook signatures', () => {
  it('verify with the Standard Webhooks reference implementation; tampering does not', () => {
    const body = JSON.stringify({ type: 'job.succeeded', timestamp: 'now', data: { id: 'job_1' } });
    const headers = createSigner(secret)('msg_1', body);
    expect(headers['webhook-id']).toBe('msg_1');
    const verifier = new Webhook(secret);
    expect(verifier.verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => verifier.verify(body.replace('job_1', 'job_2'), { ...headers })).toThrow();
    expect(() =>
      new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body, { ...headers }),
    ).toThrow();
    const stale = createSigner(secret)('msg_1', body, new Date(Date.now() - 10 * 60_000));
    expect(() => verifier.verify(body, { ...stale })).toThrow(/too old/);
  });
});

describe('webhook targets at intake', () => {
  const policy = { allowPrivate: false, signingConfigured: true };
  it('follow the input URL rules, and need a signing secret', () => {
    expect(webhookProblems({ url: 'https://hooks.example.com/a' }, policy, 'webhook.url')).toEqual(
      [],
    );
    expect(webhookProblems(undefined, policy, 'webhook.url')).toEqual([]);
    for (const url of [
      'http://hooks.example.com/a',
      'https://127.0.0.1/a',
      'https://[::1]/a',
      'https://169.254.169.254/x',
    ])
      expect(webhookProblems({ url }, policy, 'webhook.url')).toEqual([
        expect.objectContaining({ field: 'webhook.url' }),
      ]);
    expect(
      webhookProblems({ url: 'http://127.0.0.1:9/a' }, { ...policy, allowPrivate: true }, 'w'),
    ).toEqual([]);
    expect(
      webhookProblems(
        { url: 'https://hooks.example.com/a' },
        { ...policy, signingConfigured: false },
        'w',
      ),
    ).toEqual([expect.objectContaining({ code: 'webhooks_disabled' })]);
  });
});
