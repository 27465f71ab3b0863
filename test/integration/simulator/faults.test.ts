import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startSimulator,
  type FaultKind,
  type RunningSimulator,
} from '../../../src/simulator/index.ts';
import { waitUntil } from '../../support/eventually.ts';
import { postSpeechToSpeech } from './simulator-client.ts';

let sim: RunningSimulator;
beforeAll(async () => {
  sim = await startSimulator({ apiKey: 'test-key' });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.configure({ faults: { rates: {}, next: [], seed: 1 }, retryAfterSeconds: null });
  sim.reset();
});

const pcm = { query: { output_format: 'pcm_16000' } }; // 2 s input: 64,000 bytes of output

/** Reads a body to its end or its first error, counting what arrived (and telling `progress`). */
async function readBody(
  response: Response,
  progress: (bytes: number) => void = () => {},
): Promise<{ bytes: number; error: Error | null }> {
  let bytes = 0;
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return { bytes, error: null };
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      bytes += chunk.value.length;
      progress(bytes);
    }
    return { bytes, error: null };
  } catch (error) {
    return { bytes, error: error as Error };
  }
}

function injectNext(...faults: (FaultKind | 'none')[]): void {
  sim.configure({ faults: { next: faults } });
}

describe('pre-response faults', () => {
  it('error_500 alternates the wrapped and the bare body, with Retry-After when configured', async () => {
    sim.configure({ retryAfterSeconds: 3 });
    injectNext('error_500', 'error_500');
    const first = await postSpeechToSpeech(sim.url, pcm);
    expect(first.status).toBe(500);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(await first.json()).toMatchObject({
      detail: { code: 'internal_server_error', status: 'internal_server_error' },
    });
    const second = await postSpeechToSpeech(sim.url, pcm);
    expect(second.status).toBe(500);
    expect(await second.json()).toEqual({
      status: 'internal_server_error',
      message: expect.any(String) as unknown,
    });
    expect((await postSpeechToSpeech(sim.url, pcm)).status).toBe(200); // the queue is spent
  });

  it('concurrency_429 and system_busy answer 429 with their codes, counted as faults', async () => {
    injectNext('concurrency_429', 'system_busy');
    const concurrency = await postSpeechToSpeech(sim.url, pcm);
    expect(concurrency.status).toBe(429);
    expect(concurrency.headers.get('retry-after')).toBeNull(); // upstream sends none by default
    expect(await concurrency.json()).toMatchObject({
      detail: { code: 'concurrent_limit_exceeded', status: 'too_many_concurrent_requests' },
    });
    const busy = await postSpeechToSpeech(sim.url, pcm);
    expect(busy.status).toBe(429);
    expect(await busy.json()).toMatchObject({
      detail: { code: 'system_busy', status: 'system_busy' },
    });
    expect(sim.counters()).toMatchObject({
      faults: { concurrency_429: 1, system_busy: 1 },
      rejected_concurrency: 0,
      responses: { '429': 2 },
    });
  });

  it('stall_headers never answers: the client timeout fires and the slot is freed', async () => {
    injectNext('stall_headers');
    const error: unknown = await postSpeechToSpeech(sim.url, {
      ...pcm,
      signal: AbortSignal.timeout(300),
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    await waitUntil('the stalled request left', () => sim.counters().in_flight === 0);
    expect(sim.counters()).toMatchObject({ faults: { stall_headers: 1 }, responses: {} });
  });
});

describe('body faults', () => {
  it.each([false, true])(
    'reset_mid_body (stream=%s): half the body, then ECONNRESET',
    async (stream) => {
      injectNext('reset_mid_body');
      const response = await postSpeechToSpeech(sim.url, { ...pcm, stream });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBe(stream ? null : '64000');
      const { bytes, error } = await readBody(response);
      expect(error).not.toBeNull();
      expect((error?.cause as NodeJS.ErrnoException | undefined)?.code).toBe('ECONNRESET');
      expect(bytes).toBeLessThanOrEqual(32000);
    },
  );

  it.each([false, true])(
    'truncated_body (stream=%s): half the body, then a clean close',
    async (stream) => {
      injectNext('truncated_body');
      const response = await postSpeechToSpeech(sim.url, { ...pcm, stream });
      expect(response.status).toBe(200);
      const { bytes, error } = await readBody(response);
      expect(bytes).toBe(32000);
      expect(error).not.toBeNull();
      expect((error?.cause as Error | undefined)?.message).toBe('other side closed');
    },
  );

  it('stall_body: a quarter of the body, then nothing until the client gives up', async () => {
    injectNext('stall_body');
    // The client gives up once the quarter is in, not at a fixed time: a 400 ms timeout from the
    // start failed whenever a busy machine took longer than that to send the headers.
    const client = new AbortController();
    const response = await postSpeechToSpeech(sim.url, { ...pcm, signal: client.signal });
    expect(response.status).toBe(200);
    let received = 0;
    const body = readBody(response, (bytes) => (received = bytes));
    await waitUntil('a quarter of the body arrived', () => received >= 16000);
    // The stall is the scenario: the client waits a while for more, then hangs up. A body that
    // kept coming shows up in `bytes`; a slow machine can only let less of it show, never fail.
    await sleep(300);
    client.abort();
    const { bytes, error } = await body;
    expect(bytes).toBe(16000);
    expect(error?.name).toBe('AbortError');
    await waitUntil('the stalled request left', () => sim.counters().in_flight === 0);
  });

  it('applies body faults to error responses too: a 422 cut in half does not parse', async () => {
    injectNext('truncated_body');
    const response = await postSpeechToSpeech(sim.url, { query: { output_format: 'nope' } });
    expect(response.status).toBe(422);
    await expect(response.json()).rejects.toThrow();
  });
});

describe('fault selection', () => {
  it('`none` lets a queued request through, and the counters tell what was injected', async () => {
    injectNext('error_500', 'none', 'system_busy');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await postSpeechToSpeech(sim.url, pcm)).status);
    expect(statuses).toEqual([500, 200, 429, 200]);
    expect(sim.counters()).toMatchObject({
      requests: { 'POST /v1/speech-to-speech/{voice_id}': 4 },
      responses: { '200': 2, '429': 1, '500': 1 },
      faults: { error_500: 1, system_busy: 1 },
    });
  });

  it('draws rates from the seeded PRNG: the same seed replays the same statuses', async () => {
    const run = async (): Promise<number[]> => {
      sim.configure({ faults: { seed: 2024, rates: { error_500: 0.3, system_busy: 0.2 } } });
      const statuses = [];
      for (let i = 0; i < 12; i++) statuses.push((await postSpeechToSpeech(sim.url, pcm)).status);
      return statuses;
    };
    const first = await run();
    expect(first.filter((s) => s !== 200).length).toBeGreaterThan(0);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(await run()).toEqual(first);
  });

  it('never faults a request refused by the key check, nor a control endpoint', async () => {
    injectNext('error_500');
    expect((await postSpeechToSpeech(sim.url, { ...pcm, apiKey: 'wrong' })).status).toBe(401);
    expect((await fetch(`${sim.url}/_simulator/counters`)).status).toBe(200);
    expect((await postSpeechToSpeech(sim.url, pcm)).status).toBe(500);
  });
});
