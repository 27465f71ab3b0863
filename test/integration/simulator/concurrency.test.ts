import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { postSpeechToSpeech, waitUntil } from './simulator-client.ts';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: 'test-key', concurrency: { speech: 1 } });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.configure({
    concurrency: { speech: 1 },
    latencyMs: 0,
    latencyPerAudioSecondMs: 0,
    errorShape: 'current',
  });
  sim.reset();
});

const pcm = { query: { output_format: 'pcm_16000' } };

/**
 * Starts a request that holds the only slot for about `ms` (refusals are not delayed: the limit
 * answers at once), and waits until it holds it. Resolves with its response, latency reset.
 */
async function holdSlot(ms: number): Promise<{ holder: Promise<Response> }> {
  sim.configure({ latencyMs: ms });
  const holder = postSpeechToSpeech(sim.url, pcm).finally(() => sim.configure({ latencyMs: 0 }));
  await waitUntil(() => sim.counters().in_flight === 1);
  return { holder }; // wrapped: an async function returning a promise would wait for it
}

describe('account concurrency limit', () => {
  it('answers 429 in the current shape while the slot is taken, then serves again', async () => {
    const { holder } = await holdSlot(400);
    const refused = await postSpeechToSpeech(sim.url, pcm);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('current-concurrent-requests')).toBe('1');
    expect(refused.headers.get('maximum-concurrent-requests')).toBe('1');
    const body = (await refused.json()) as { detail: Record<string, string> };
    expect(body.detail).toMatchObject({
      type: 'rate_limit_error',
      code: 'concurrent_limit_exceeded',
      status: 'too_many_concurrent_requests',
      request_id: refused.headers.get('request-id'),
    });
    expect(body.detail.message).toMatch(/maximum of 1 concurrent requests/);
    expect((await holder).status).toBe(200);
    expect((await postSpeechToSpeech(sim.url, pcm)).status).toBe(200);
    expect(sim.counters()).toMatchObject({
      rejected_concurrency: 1,
      max_in_flight: 1,
      responses: { '200': 2, '429': 1 },
    });
  });

  it('sends the legacy shape when configured, and alternates under `alternate`', async () => {
    sim.configure({ errorShape: 'legacy' });
    const { holder } = await holdSlot(600);
    const legacy = (await (await postSpeechToSpeech(sim.url, pcm)).json()) as {
      detail: Record<string, string>;
    };
    expect(Object.keys(legacy.detail).sort()).toEqual(['message', 'status']);
    expect(legacy.detail.status).toBe('too_many_concurrent_requests');
    sim.configure({ errorShape: 'alternate' });
    const codes = [];
    for (let i = 0; i < 4; i++) {
      const body = (await (await postSpeechToSpeech(sim.url, pcm)).json()) as {
        detail: Record<string, string>;
      };
      codes.push(body.detail.code ?? 'legacy');
    }
    expect(codes).toEqual([
      'concurrent_limit_exceeded',
      'legacy',
      'concurrent_limit_exceeded',
      'legacy',
    ]);
    await (await holder).arrayBuffer();
  });

  it('frees the slot when the client gives up during the latency', async () => {
    sim.configure({ latencyMs: 10_000 });
    const controller = new AbortController();
    const pending = postSpeechToSpeech(sim.url, { ...pcm, signal: controller.signal });
    await waitUntil(() => sim.counters().in_flight === 1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await waitUntil(() => sim.counters().in_flight === 0);
    expect(sim.counters().responses).toEqual({});
  });

  it('admits exactly the limit out of a burst and records the peak', async () => {
    sim.configure({ concurrency: { speech: 3 }, latencyMs: 300 });
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () => postSpeechToSpeech(sim.url, pcm).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    expect(sim.counters()).toMatchObject({
      max_in_flight: 3,
      max_in_flight_by_class: { speech: 3, music: 0 },
      rejected_concurrency: 3,
      in_flight: 0,
    });
  });

  it('waits latencyPerAudioSecondMs for each second of output before answering', async () => {
    sim.configure({ latencyPerAudioSecondMs: 150 });
    const started = performance.now();
    const response = await postSpeechToSpeech(sim.url, pcm); // 2 s of audio: at least 300 ms
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });
});
