import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { postSpeechToSpeech } from './simulator-client.ts';

async function call(
  url: string,
  method: 'GET' | 'POST',
  body?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    body,
    headers: body ? { 'content-type': 'application/json' } : {},
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('control endpoints over HTTP', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ apiKey: 'test-key' });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('GET /_simulator/counters serves the same snake_case counters as counters()', async () => {
    await postSpeechToSpeech(sim.url, { query: { output_format: 'pcm_8000' } });
    const { status, json } = await call(`${sim.url}/_simulator/counters`, 'GET');
    expect(status).toBe(200);
    expect(json).toEqual(sim.counters());
    expect(json).toMatchObject({
      requests: { 'POST /v1/speech-to-speech/{voice_id}': 1 },
      responses: { '200': 1 },
      max_in_flight: 1,
    });
  });

  it('POST /_simulator/config applies a validated patch, as configure() does', async () => {
    const patch = JSON.stringify({
      rejectVoiceIds: ['ghost'],
      apiKey: 'other-key',
      faults: { next: ['error_500'] },
    });
    const { status, json } = await call(`${sim.url}/_simulator/config`, 'POST', patch);
    expect(status).toBe(200);
    expect(json).toMatchObject({
      config: { rejectVoiceIds: ['ghost'], apiKey: '[redacted]' },
      pending_faults: ['error_500'],
    });
    expect(JSON.stringify(json)).not.toContain('other-key');
    expect((await postSpeechToSpeech(sim.url, { apiKey: 'test-key' })).status).toBe(401);
    expect((await postSpeechToSpeech(sim.url, { apiKey: 'other-key' })).status).toBe(500);
    expect(
      (await postSpeechToSpeech(sim.url, { apiKey: 'other-key', voiceId: 'ghost' })).status,
    ).toBe(404);
    await call(`${sim.url}/_simulator/config`, 'POST', JSON.stringify({ apiKey: 'test-key' }));
  });

  it('refuses an invalid patch with every problem and changes nothing; refuses bad JSON', async () => {
    const before = await call(`${sim.url}/_simulator/config`, 'GET');
    const bad = await call(
      `${sim.url}/_simulator/config`,
      'POST',
      JSON.stringify({ latencyMs: 'slow', errorShape: 'odd' }),
    );
    expect(bad.status).toBe(422);
    expect((bad.json.error as { details: string[] }).details).toEqual([
      expect.stringContaining('latencyMs') as unknown,
      expect.stringContaining('errorShape') as unknown,
    ]);
    expect((await call(`${sim.url}/_simulator/config`, 'POST', '{not json')).status).toBe(400);
    expect(await call(`${sim.url}/_simulator/config`, 'GET')).toEqual(before);
  });

  it('POST /_simulator/reset zeroes the counters and empties the fault queue', async () => {
    sim.configure({ faults: { next: ['system_busy', 'system_busy'] } });
    await postSpeechToSpeech(sim.url);
    expect((await call(`${sim.url}/_simulator/reset`, 'POST')).status).toBe(200);
    expect(sim.counters()).toMatchObject({
      requests: {},
      responses: {},
      faults: {},
      max_in_flight: 0,
    });
    expect((await call(`${sim.url}/_simulator/config`, 'GET')).json.pending_faults).toEqual([]);
    expect(
      (await postSpeechToSpeech(sim.url, { query: { output_format: 'pcm_8000' } })).status,
    ).toBe(200);
  });

  it('answers 404 for an unknown control path', async () => {
    expect((await call(`${sim.url}/_simulator/nothing`, 'GET')).status).toBe(404);
  });
});

describe('standalone process (npm run simulator)', () => {
  it('reads SIMULATOR_* from the environment, logs its URL, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts'], {
      env: {
        ...process.env,
        SIMULATOR_PORT: '0',
        SIMULATOR_API_KEY: 'proc-key',
        SIMULATOR_SPEECH_CONCURRENCY: '7',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, 'line')) as [string];
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1] ?? '';
      expect(url).not.toBe('');
      const response = await postSpeechToSpeech(url, {
        apiKey: 'proc-key',
        query: { output_format: 'ulaw_8000' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('maximum-concurrent-requests')).toBe('7');
      expect((await response.arrayBuffer()).byteLength).toBe(16000);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
