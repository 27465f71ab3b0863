import { UnrecoverableError, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchKeys } from '../../../src/shared/batches/batch-keys.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { redisKeys } from '../../../src/shared/redis/keys.ts';
import {
  parseDeliveries,
  DELIVERIES_FIELD,
} from '../../../src/shared/webhooks/webhook-deliveries.ts';
import type { WebhookPayload } from '../../../src/shared/webhooks/webhook-queue.ts';
import { createSigner } from '../../../src/shared/webhooks/webhook-signature.ts';
import { createDeliveryProcessor } from '../../../src/workers/webhooks/deliver-webhook.ts';
import { createWebhookAgent } from '../../../src/workers/webhooks/webhook-agent.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';
import { TEST_WEBHOOK_SECRET } from '../batches/batch-helpers.ts';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts';

/** The delivery processor on its own, against a real receiver and Redis: the refusal rules. */
describe('webhook delivery attempts', () => {
  let redis: Redis;
  let receiver: WebhookReceiver;
  const prefix = uniquePrefix('webhook-delivery');
  const keys = redisKeys(prefix);
  const strict = { allowPrivate: false };
  const open = { allowPrivate: true };
  const agents = [createWebhookAgent(strict, 2_000), createWebhookAgent(open, 2_000)];

  beforeAll(async () => {
    redis = new Redis(testRedisUrl());
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    const found = await redis.keys(`${prefix}:*`);
    if (found.length) await redis.del(...found);
    await redis.quit();
    await receiver.close();
  });

  async function attempt(path: string, policy: { allowPrivate: boolean }, attemptsMade = 0) {
    const jobId = `job_${uniquePrefix('d').replaceAll('-', '')}`;
    await redis.hset(keys.job(jobId), 'status', '"succeeded"');
    const deliver = createDeliveryProcessor({
      redis,
      keys,
      batchKeys: batchKeys(prefix),
      agent: policy.allowPrivate ? agents[1]! : agents[0]!,
      sign: createSigner(TEST_WEBHOOK_SECRET),
      policy,
      timeoutMs: 2_000,
      logger: createLogger({ level: 'silent' }),
    });
    const payload: WebhookPayload = {
      message_id: `msg_${jobId}`,
      event: 'job.succeeded',
      subject: { kind: 'job', id: jobId },
      url: `${receiver.url}${path}`,
      body: '{"type":"job.succeeded"}',
    };
    const job = {
      data: payload,
      attemptsMade,
      opts: { attempts: 3 },
    } as unknown as Job<WebhookPayload>;
    const error = await deliver(job).then(
      () => null,
      (e: unknown) => e,
    );
    const [delivery] = parseDeliveries(
      (await redis.hget(keys.job(jobId), DELIVERIES_FIELD)) ?? undefined,
    );
    return { error, delivery };
  }

  it('refuses a loopback receiver unless allowed, without sending anything', async () => {
    const before = receiver.received.length;
    const { error, delivery } = await attempt('/x', strict);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect(delivery).toMatchObject({ outcome: 'refused', status_code: null, will_retry: false });
    expect(receiver.received.length).toBe(before);
    expect((await attempt('/x', open)).delivery).toMatchObject({
      outcome: 'delivered',
      status_code: 204,
    });
  });

  it('retries a 5xx, gives up on 410 Gone and on the last attempt, and never follows a redirect', async () => {
    receiver.failNext('/flaky', 1, 502);
    const flaky = await attempt('/flaky', open);
    expect(flaky.error).toBeInstanceOf(Error);
    expect(flaky.error).not.toBeInstanceOf(UnrecoverableError);
    expect(flaky.delivery).toMatchObject({ outcome: 'failed', status_code: 502, will_retry: true });

    receiver.failNext('/gone', 1, 410);
    const gone = await attempt('/gone', open);
    expect(gone.error).toBeInstanceOf(UnrecoverableError);
    expect(gone.delivery).toMatchObject({ status_code: 410, will_retry: false });

    receiver.failNext('/last', 1, 500);
    expect((await attempt('/last', open, 2)).delivery).toMatchObject({
      attempt: 3,
      will_retry: false,
    });

    receiver.failNext('/moved', 1, 307);
    const moved = await attempt('/moved', open);
    expect(moved.delivery).toMatchObject({ outcome: 'failed', status_code: 307 });
    expect(receiver.received.filter((r) => r.path.startsWith('/moved'))).toHaveLength(1);
  });
});
