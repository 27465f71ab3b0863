import { describe, expect, it } from 'vitest';
import { SimulatorConfigError, startSimulator } from '../../../src/simulator/index.ts';
import { settlesWithin, waitUntil } from '../../support/eventually.ts';
import { postSpeechToSpeech } from './simulator-client.ts';

describe('simulator lifecycle', () => {
  it('close() ends stalled requests at once and stops listening', async () => {
    const sim = await startSimulator({ faults: { next: ['stall_headers', 'stall_body'] } });
    const stalledHeaders = postSpeechToSpeech(sim.url).catch((error: unknown) => error);
    const stalledBody = await postSpeechToSpeech(sim.url, {
      query: { output_format: 'pcm_16000' },
    });
    await waitUntil('both requests stall', () => sim.counters().in_flight === 2);
    // A stalled request never ends by itself, so a close() that waited for it would never
    // return: 10 s is that bound, far above the milliseconds a close takes on a busy machine.
    await settlesWithin('close() with two stalled requests', sim.close(), 10_000);
    expect(await stalledHeaders).toBeInstanceOf(Error);
    await expect(stalledBody.arrayBuffer()).rejects.toThrow();
    await expect(fetch(`${sim.url}/_simulator/counters`)).rejects.toThrow();
  });

  it('refuses an invalid config at start and in configure(), listing the problems', async () => {
    await expect(startSimulator({ concurrency: { speech: 0 } })).rejects.toBeInstanceOf(
      SimulatorConfigError,
    );
    const sim = await startSimulator();
    try {
      expect(() => sim.configure({ latencyMs: -1, errorShape: 'loud' as 'current' })).toThrow(
        /latencyMs.*errorShape/,
      );
    } finally {
      await sim.close();
    }
  });
});

describe('credits', () => {
  it('spends each success’s character-cost and answers 401 quota_exceeded when short', async () => {
    const sim = await startSimulator({ credits: 40 });
    try {
      const paid = await postSpeechToSpeech(sim.url, { query: { output_format: 'pcm_8000' } });
      expect(paid.status).toBe(200);
      expect(paid.headers.get('character-cost')).toBe('34');
      expect(sim.counters().credits_remaining).toBe(6);
      const refused = await postSpeechToSpeech(sim.url, { query: { output_format: 'pcm_8000' } });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({
        detail: { code: 'quota_exceeded', status: 'quota_exceeded' },
      });
      expect(sim.counters().credits_remaining).toBe(6);
      sim.configure({ credits: 1000 });
      expect(
        (await postSpeechToSpeech(sim.url, { query: { output_format: 'pcm_8000' } })).status,
      ).toBe(200);
      expect(sim.counters().credits_remaining).toBe(966);
    } finally {
      await sim.close();
    }
  });
});
