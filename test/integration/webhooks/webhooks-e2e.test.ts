import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../../../src/shared/webhooks/webhook-deliveries.ts';
import { sineWav } from '../e2e/audio-fixtures.ts';
import { waitUntil } from '../../support/eventually.ts';
import { upload } from '../e2e/e2e-helpers.ts';
import { startTestService, type TestService } from '../e2e/service-harness.ts';
import {
  stsDefaults,
  submitBatch,
  TEST_WEBHOOK_SECRET,
  VOICE,
  waitForBatch,
  type BatchView,
} from '../batches/batch-helpers.ts';
import { startWebhookReceiver, type Received, type WebhookReceiver } from './webhook-receiver.ts';

interface Event {
  type: string;
  timestamp: string;
  data: { id: string; status: string; custom_id?: string; counts?: BatchView['counts'] };
}

/** The reference check every receiver would run: throws unless the signature matches. */
function verified(request: Received): Event {
  return new Webhook(TEST_WEBHOOK_SECRET).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as Event;
}

describe('webhooks end to end', () => {
  let service: TestService;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    service = await startTestService({
      storage: 'file',
      env: { WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, WEBHOOK_BACKOFF_MS: '50', WEBHOOK_ATTEMPTS: '4' },
    });
  });
  afterAll(async () => {
    await service?.stop();
    await receiver?.close();
  });

  it('delivers signed job and batch events, retrying a failing receiver, every attempt recorded', async () => {
    const broken = 'brokenVoice0000000002';
    service.simulator.configure({ rejectVoiceIds: [broken] });
    receiver.failNext('/jobs', 2, 503);
    receiver.failNext('/batch', 1, 500);
    const input = await upload(service, sineWav(0.25));
    const batch = await submitBatch(service, {
      webhook: { url: `${receiver.url}/batch` },
      defaults: { ...stsDefaults, webhook: { url: `${receiver.url}/jobs` } },
      items: [
        { custom_id: 'ok-1', input: { upload_id: input } },
        { custom_id: 'ok-2', input: { upload_id: input } },
        { custom_id: 'bad', input: { upload_id: input }, params: { voice_id: broken } },
      ],
    });
    await waitForBatch(service, batch.id);
    const delivered = (path: string) =>
      receiver.received.filter((r) => r.path === path && r.status === 204);
    await waitUntil(
      'three job deliveries and one batch delivery',
      () => delivered('/jobs').length === 3 && delivered('/batch').length === 1,
    );

    // Every request verifies with the reference library; a tampered body or header does not.
    const events = receiver.received.map(verified);
    const [sample] = receiver.received;
    if (!sample) throw new Error('nothing received');
    expect(() =>
      verified({ ...sample, body: sample.body.replace('"status"', '"Status"') }),
    ).toThrow();
    expect(() =>
      verified({ ...sample, headers: { ...sample.headers, 'webhook-id': 'msg_forged' } }),
    ).toThrow();

    const jobEvents = delivered('/jobs').map(verified);
    expect(jobEvents.map((e) => `${e.data.custom_id}:${e.type}`).sort()).toEqual([
      'bad:job.failed',
      'ok-1:job.succeeded',
      'ok-2:job.succeeded',
    ]);
    const [completed] = delivered('/batch').map(verified);
    expect(completed).toMatchObject({
      type: 'batch.completed',
      data: { id: batch.id, status: 'completed', counts: { total: 3, succeeded: 2, failed: 1 } },
    });
    // Retries resend the same message (same webhook-id and body), freshly signed.
    const failedFirst = receiver.received.filter((r) => r.status !== 204);
    expect(failedFirst).toHaveLength(3);
    for (const failure of failedFirst) {
      const retried = receiver.received.filter(
        (r) => r.headers['webhook-id'] === failure.headers['webhook-id'],
      );
      expect(retried.at(-1)?.status).toBe(204);
      expect(new Set(retried.map((r) => r.body)).size).toBe(1);
    }
    expect(events.length).toBe(receiver.received.length);

    // The attempts show on the job and the batch that caused them.
    const { body: view } = await service.json<BatchView>(`/v1/batches/${batch.id}`);
    expect(view.webhook_deliveries.map((d) => [d.outcome, d.status_code, d.will_retry])).toEqual([
      ['failed', 500, true],
      ['delivered', 204, false],
    ]);
    const retriedJobId = failedFirst.map(verified).find((e) => e.type.startsWith('job.'))?.data.id;
    const { body: job } = await service.json<{ webhook_deliveries: WebhookDelivery[] }>(
      `/v1/jobs/${retriedJobId}`,
    );
    expect(job.webhook_deliveries.at(-1)).toMatchObject({ outcome: 'delivered', status_code: 204 });
    expect(job.webhook_deliveries[0]).toMatchObject({
      outcome: 'failed',
      status_code: 503,
      attempt: 1,
      will_retry: true,
      duration_ms: expect.any(Number) as unknown,
    });
    expect(service.logs.join('')).not.toContain(TEST_WEBHOOK_SECRET.slice(6));
    service.simulator.configure({ rejectVoiceIds: [] });
  });

  it('gives up after the configured attempts, recording each one', async () => {
    receiver.failNext('/down', 10, 500);
    const input = await upload(service, sineWav(0.25));
    const batch = await submitBatch(service, {
      defaults: {
        ...stsDefaults,
        params: { voice_id: VOICE, seed: 5 },
        webhook: { url: `${receiver.url}/down` },
      },
      items: [{ custom_id: 'only', input: { upload_id: input } }],
    });
    await waitForBatch(service, batch.id);
    const { body: jobs } = await service.json<{ data: { id: string }[] }>(
      `/v1/batches/${batch.id}/jobs`,
    );
    const jobId = jobs.data[0]?.id;
    let deliveries: WebhookDelivery[] = [];
    await waitUntil('four delivery attempts recorded', async () => {
      ({ webhook_deliveries: deliveries = [] } = (
        await service.json<{ webhook_deliveries?: WebhookDelivery[] }>(`/v1/jobs/${jobId}`)
      ).body);
      return deliveries.length === 4;
    });
    expect(deliveries.map((d) => [d.attempt, d.outcome, d.will_retry])).toEqual([
      [1, 'failed', true],
      [2, 'failed', true],
      [3, 'failed', true],
      [4, 'failed', false],
    ]);
  });

  it('refuses webhook URLs that are not allowed, at intake', async () => {
    const refused = async (body: object) => {
      const { status, body: answer } = await service.json<{
        error: { details: { field: string }[] };
      }>('/v1/batches', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(status).toBe(422);
      return answer.error.details.map((d) => d.field);
    };
    const item = { input: { url: 'https://example.com/a.wav' } };
    expect(
      await refused({
        webhook: { url: 'ftp://example.com/x' },
        defaults: stsDefaults,
        items: [item],
      }),
    ).toEqual(['webhook.url']);
    expect(
      await refused({
        defaults: stsDefaults,
        items: [item, { ...item, webhook: { url: 'file:///etc/passwd' } }],
      }),
    ).toEqual(['items[1].webhook.url']);
  });
});
