import { ElevenLabsClient, ElevenLabsError } from '@elevenlabs/elevenlabs-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../support/eventually.ts';
import { startTestService, type TestService } from '../e2e/service-harness.ts';

// A gateway call waits for an account slot instead of getting a 429, but not forever: past
// GATEWAY_MAX_WAIT_MS without an upstream call it gets the upstream's own 429 shape, and its
// job is canceled rather than left to run for nobody (issue 12, item 4).

const KEY = 'k_gateway-wait-0123456789abcdef';
const MAX_WAIT_MS = 3_000;
const DIALOGUE = { inputs: [{ text: 'Hold the line.', voiceId: 'JBFqnCBsd6RMkjVDRZzb' }] };

describe('a gateway call that finds no slot in time', () => {
  let service: TestService;
  let gateway: ElevenLabsClient;

  beforeAll(async () => {
    service = await startTestService({
      storage: 'file',
      apiKeys: [`alpha:${KEY}`],
      env: { UPSTREAM_CONCURRENCY: '1', GATEWAY_MAX_WAIT_MS: String(MAX_WAIT_MS) },
    });
    gateway = new ElevenLabsClient({ apiKey: KEY, baseUrl: service.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await service?.stop();
  });

  async function jobs(): Promise<{ id: string; status: string; seed: number }[]> {
    const { body } = await service.json<{ data: { id: string; status: string; seed: number }[] }>(
      '/v1/jobs?limit=10',
      { key: KEY },
    );
    return body.data;
  }

  it("gets the upstream's 429 too_many_concurrent_requests, and its job is canceled", async () => {
    // The account's only slot is held by a call the simulator answers only when told to.
    service.simulator.configure({ latencyMs: 600_000 });
    const holder = new AbortController();
    const holding = gateway.textToDialogue
      .convert({ ...DIALOGUE, seed: 1 }, { abortSignal: holder.signal })
      .catch((e: unknown) => e);
    try {
      await waitUntil('the first call to hold the slot', () => {
        return service.simulator.counters().in_flight === 1;
      });
      const refused = await gateway.textToDialogue
        .convert({ ...DIALOGUE, seed: 2 })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ElevenLabsError);
      expect((refused as ElevenLabsError).statusCode).toBe(429);
      expect((refused as ElevenLabsError).body).toMatchObject({
        detail: { status: 'too_many_concurrent_requests', code: 'too_many_concurrent_requests' },
      });
      // A job a worker already holds (waiting for the slot) is canceled by that worker.
      await waitUntil('the waiting job to be canceled', async () => {
        const waited = (await jobs()).find((job) => job.seed === 2);
        return waited?.status === 'canceled';
      });
      expect(service.simulator.counters().in_flight).toBe(1); // it never reached the upstream
    } finally {
      holder.abort();
      await holding;
      service.simulator.configure({ latencyMs: 0 });
    }
  });

  it('a call that gets its slot in time waits as long as it needs', async () => {
    // No slot contention: the call's own upstream time may exceed the maximum wait.
    service.simulator.configure({ latencyMs: MAX_WAIT_MS * 2.5 });
    try {
      await waitUntil(
        'the held call to be gone',
        () => service.simulator.counters().in_flight === 0,
      );
      const audio = await gateway.textToDialogue.convert({ ...DIALOGUE, seed: 3 });
      expect(Buffer.from(await new Response(audio).arrayBuffer()).length).toBeGreaterThan(0);
    } finally {
      service.simulator.configure({ latencyMs: 0 });
    }
  });
});
