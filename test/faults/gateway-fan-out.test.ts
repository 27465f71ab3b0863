import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import { describe, expect, it } from 'vitest';
import { startCluster } from './support/cluster.ts';
import { report } from './support/scenario.ts';

// Issue 12, done-when: three api processes, each making 8 concurrent SDK calls, against an
// account limit of 2: every call succeeds (they wait for a slot instead of a 429), and the
// upstream never sees more than 2 calls at once.

const KEY = 'k_gateway-fanout-0123456789abcdef';
const PROCESSES = 3;
const CALLS_PER_PROCESS = 8;
const LIMIT = 2;

describe('gateway fan-out: 3 api processes × 8 SDK calls, account limit 2', () => {
  it('all succeed, no 429, never more than 2 upstream calls in flight', async () => {
    const started = Date.now();
    const cluster = await startCluster({
      label: 'gw-fanout',
      workers: 2,
      storage: 'file',
      env: { UPSTREAM_CONCURRENCY: String(LIMIT), API_KEYS: `alpha:${KEY}` },
      simulator: { latencyMs: 300 },
    });
    try {
      const apis = [];
      for (let index = 0; index < PROCESSES; index += 1) {
        apis.push(await cluster.addApi(`api-${index}`));
      }
      const calls = apis.flatMap((api, process) => {
        const client = new ElevenLabsClient({ apiKey: KEY, baseUrl: api.url, maxRetries: 0 });
        return Array.from({ length: CALLS_PER_PROCESS }, async (_, index) => {
          const audio = await client.textToDialogue.convert({
            inputs: [{ text: `Line ${process}-${index}.`, voiceId: 'JBFqnCBsd6RMkjVDRZzb' }],
            seed: process * 100 + index,
          });
          return Buffer.from(await new Response(audio).arrayBuffer()).length;
        });
      });
      const settled = await Promise.allSettled(calls);
      const failed = settled.filter((result) => result.status === 'rejected');
      expect(failed.map((result) => String(result.reason))).toEqual([]);
      for (const result of settled) {
        if (result.status === 'fulfilled') expect(result.value).toBeGreaterThan(0);
      }
      const counters = cluster.simulator.counters();
      expect(counters.responses['429'] ?? 0).toBe(0);
      expect(counters.max_in_flight).toBeLessThanOrEqual(LIMIT);
      report('gateway-fan-out', {
        processes: PROCESSES,
        calls: PROCESSES * CALLS_PER_PROCESS,
        limit: LIMIT,
        max_in_flight: counters.max_in_flight,
        seconds: (Date.now() - started) / 1000,
      });
    } finally {
      await cluster.stop();
    }
  });
});
