import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Loaded before the service starts it, so that what the test times is the connection's hold,
// not how long the first import of Fastify and its plugins takes on a busy machine.
import '../../../src/api/app.ts';
import { startService, type RunningService } from '../../../src/runtime/start-service.ts';
import { loadConfig } from '../../../src/shared/config.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { startHoldingTcpProxy, type HoldingTcpProxy } from '../../support/holding-tcp-proxy.ts';
import { testRedisUrl, uniquePrefix } from '../../support/test-env.ts';

/**
 * Long beside the time the intake takes to build its app (so an intake that listens before its
 * connection is ready meets the first request with the connection still held), and short beside
 * the intake connection's 2 s command timeout, which also bounds its ready check (INFO): a hold
 * near it would fail that check on a busy machine, and the connection would never be ready.
 */
const HOLD_MS = 1_000;

/**
 * An api whose Redis is slow to answer a new connection: it listens only once its intake
 * connection is ready, so its first request is served, not refused with a 503 because the
 * connection (which fails fast instead of queueing) was still connecting.
 */
describe('an api whose Redis is slow to connect', () => {
  let dir: string;
  let proxy: HoldingTcpProxy;
  let service: RunningService;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audiobatch-slow-connect-'));
    const redis = new URL(testRedisUrl());
    proxy = await startHoldingTcpProxy({ host: redis.hostname, port: Number(redis.port) }, HOLD_MS);
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      QUEUE_PREFIX: uniquePrefix('slow-connect'),
      STORAGE_URL: `file://${join(dir, 'objects')}`,
      ELEVENLABS_API_KEY: 'unused-by-an-api-process',
      LOG_LEVEL: 'silent',
    });
    service = await startService(config, 'api', createLogger({ level: 'silent' }));
  });

  afterAll(async () => {
    await service?.stop();
    await proxy?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts the first job it is sent', async () => {
    const created = await fetch(`${service.url}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'text_to_dialogue',
        params: { inputs: [{ text: 'First in.', voice_id: 'JBFqnCBsd6RMkjVDRZzb' }] },
      }),
    });
    expect(created.status, await created.clone().text()).toBe(202);
    // Both the deployment check's connection and the intake's went through the hold.
    expect(proxy.accepted).toBeGreaterThanOrEqual(2);
  });
});
