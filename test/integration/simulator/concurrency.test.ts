import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { settlesWithin, waitUntil } from '../../support/eventually.ts';
import { postSpeechToSpeech, toneWav } from './simulator-client.ts';

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

/** Longer than any test runs: a request admitted under it holds its slot until its client leaves. */
const FOREVER_MS = 10 * 60_000;

/**
 * Starts a request that holds the only slot until `release()` (a fixed latency raced the test's
 * own requests on a busy machine), and waits until it holds it. `release()` hangs up, waits for
 * the slot to be freed, and sets the latency back to 0.
 */
async function holdSlot(): Promise<{ release(): Promise<void> }> {
  sim.configure({ latencyMs: FOREVER_MS });
  const client = new AbortController();
  const holder = postSpeechToSpeech(sim.url, { ...pcm, signal: client.signal });
  await waitUntil('the holder has the slot', () => sim.counters().in_flight === 1);
  return {
    release: async () => {
      client.abort();
      await expect(holder).rejects.toThrow();
      await waitUntil('the holder left', () => sim.counters().in_flight === 0);
      sim.configure({ latencyMs: 0 });
    },
  };
}

describe('account concurrency limit', () => {
  it('answers 429 in the current shape while the slot is taken, then serves again', async () => {
    const holder = await holdSlot();
    // Refused at once; admitted, it would hold its slot forever: 10 s tells them apart.
    const refused = await settlesWithin('the refusal', postSpeechToSpeech(sim.url, pcm), 10_000);
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
    await holder.release();
    expect((await postSpeechToSpeech(sim.url, pcm)).status).toBe(200);
    // The holder hung up before any response: the counters saw the 429 and the new 200 only.
    expect(sim.counters()).toMatchObject({
      rejected_concurrency: 1,
      max_in_flight: 1,
      in_flight: 0,
      responses: { '200': 1, '429': 1 },
    });
  });

  it('sends the legacy shape when configured, and alternates under `alternate`', async () => {
    sim.configure({ errorShape: 'legacy' });
    const holder = await holdSlot();
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
    await holder.release();
  });

  it('frees the slot when the client gives up during the latency', async () => {
    sim.configure({ latencyMs: 10_000 });
    const controller = new AbortController();
    const pending = postSpeechToSpeech(sim.url, { ...pcm, signal: controller.signal });
    await waitUntil('the request has the slot', () => sim.counters().in_flight === 1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await waitUntil('the slot is free', () => sim.counters().in_flight === 0);
    expect(sim.counters().responses).toEqual({});
  });

  it('admits exactly the limit out of a burst and records the peak', async () => {
    // The admitted requests hold their slots until the burst is judged (with a 300 ms latency,
    // the first could finish before a busy machine had sent the last, which then got in).
    sim.configure({ concurrency: { speech: 3 }, latencyMs: FOREVER_MS });
    const client = new AbortController();
    const statuses: number[] = [];
    const burst = Array.from({ length: 6 }, () =>
      postSpeechToSpeech(sim.url, { ...pcm, signal: client.signal }).then(
        (r) => statuses.push(r.status),
        () => undefined, // the admitted ones, when the client hangs up below
      ),
    );
    await waitUntil('all six were admitted or refused', () => {
      const { in_flight, rejected_concurrency } = sim.counters();
      return in_flight + rejected_concurrency >= 6;
    });
    await waitUntil(
      'the refusals arrived',
      () => statuses.length >= sim.counters().rejected_concurrency,
    );
    expect(statuses).toEqual([429, 429, 429]);
    expect(sim.counters()).toMatchObject({
      in_flight: 3,
      max_in_flight: 3,
      max_in_flight_by_class: { speech: 3, music: 0 },
      rejected_concurrency: 3,
    });
    client.abort();
    await Promise.all(burst);
    await waitUntil('the slots are free', () => sim.counters().in_flight === 0);
    expect(statuses).toEqual([429, 429, 429]);
  });

  it('waits latencyPerAudioSecondMs for each second of output before answering', async () => {
    sim.configure({ latencyPerAudioSecondMs: 300 });
    const started = performance.now();
    // 6 s of audio in, 6 s out: at least 1,800 ms.
    const response = await postSpeechToSpeech(sim.url, { ...pcm, audio: toneWav(6) });
    expect(response.status).toBe(200);
    // The configured latency is the scenario. Only a lower bound: a busy machine makes the call
    // longer, never shorter (10 ms of slack for timer rounding). A delay that ignored the audio's
    // length (300 ms, plus the call's own time, well under 1.5 s) or was skipped fails it.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_790);
  });
});
