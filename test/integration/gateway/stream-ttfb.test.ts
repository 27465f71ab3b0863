import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_KEY, startTestService, type TestService } from '../e2e/service-harness.ts';

// Time to first byte of a stream call, direct to the simulator and through the gateway, with
// the simulator pausing between chunks so streaming shows. Reported, not asserted (no
// wall-clock assertions on a shared machine): the assertion that the first bytes come before
// the upstream finished is condition-based, in sdk-gateway.test.ts.

const KEY = 'k_gateway-ttfb-0123456789abcdef';
const RUNS = 4;
const CHUNK_DELAY_MS = 75;

interface Timing {
  firstByteMs: number;
  totalMs: number;
  bytes: number;
}

async function timed(url: string, key: string, seed: number): Promise<Timing> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/text-to-dialogue/stream?output_format=mp3_44100_128`, {
    method: 'POST',
    headers: { 'xi-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({
      inputs: [
        {
          text: 'A line long enough to stream in several chunks.',
          voice_id: 'JBFqnCBsd6RMkjVDRZzb',
        },
      ],
      seed,
    }),
  });
  expect(response.status).toBe(200);
  let firstByteMs = -1;
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (firstByteMs < 0) firstByteMs = performance.now() - started;
    bytes += chunk.length;
  }
  return { firstByteMs, totalMs: performance.now() - started, bytes };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

describe('time to first byte of a stream call', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ storage: 'file', apiKeys: [`alpha:${KEY}`] });
    service.simulator.configure({ chunkDelayMs: CHUNK_DELAY_MS });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it(`direct vs through the gateway (median of ${RUNS})`, async () => {
    const direct: Timing[] = [];
    const gateway: Timing[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      // Fresh seeds: a cache hit would stream from storage and measure something else.
      direct.push(await timed(service.simulator.url, SIMULATOR_KEY, 1_000 + run));
      gateway.push(await timed(service.url, KEY, 2_000 + run));
    }
    const report = {
      runs: RUNS,
      chunk_delay_ms: CHUNK_DELAY_MS,
      bytes: gateway[0]?.bytes,
      direct_ttfb_ms: Math.round(median(direct.map((t) => t.firstByteMs))),
      direct_total_ms: Math.round(median(direct.map((t) => t.totalMs))),
      gateway_ttfb_ms: Math.round(median(gateway.map((t) => t.firstByteMs))),
      gateway_total_ms: Math.round(median(gateway.map((t) => t.totalMs))),
    };
    console.info('gateway stream TTFB', JSON.stringify(report));
    expect(gateway.every((t) => t.bytes > 0 && t.firstByteMs >= 0)).toBe(true);
  });
});
