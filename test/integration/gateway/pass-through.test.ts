import { ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { startRecordingProxy, type RecordingProxy } from '../../support/recording-proxy.ts';
import { toneWav } from '../simulator/simulator-client.ts';
import { SIMULATOR_KEY, startTestService, type TestService } from '../e2e/service-harness.ts';

// New SDK versions add fields faster than our schemas: the gateway validates what it routes
// and caches by, and passes anything else to the upstream untouched, fingerprinted (issue 12,
// item 5). A recording proxy in front of the simulator shows what the upstream received.

const KEY = 'k_gateway-extra-0123456789abcdef';
const DIALOGUE = {
  inputs: [{ text: 'Something new.', voiceId: 'JBFqnCBsd6RMkjVDRZzb' }],
  outputFormat: 'mp3_44100_128' as const,
};

describe('unknown parameters through the gateway', () => {
  let simulator: RunningSimulator;
  let recorder: RecordingProxy;
  let service: TestService;
  let gateway: ElevenLabsClient;

  beforeAll(async () => {
    simulator = await startSimulator({ apiKey: SIMULATOR_KEY, port: 0, host: '127.0.0.1' });
    recorder = await startRecordingProxy(simulator.url);
    service = await startTestService({
      storage: 'file',
      apiKeys: [`alpha:${KEY}`],
      env: { ELEVENLABS_BASE_URL: recorder.url },
    });
    gateway = new ElevenLabsClient({ apiKey: KEY, baseUrl: service.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await service?.stop();
    await recorder?.stop();
    await simulator?.close();
  });

  async function lastJob(): Promise<Record<string, unknown>> {
    const { body } = await service.json<{ data: Record<string, unknown>[] }>('/v1/jobs?limit=1', {
      key: KEY,
    });
    return body.data[0] ?? {};
  }

  it('JSON body fields and query parameters we do not know reach the upstream as sent', async () => {
    await gateway.textToDialogue.convert(
      { ...DIALOGUE, seed: 7 },
      {
        additionalBodyParameters: { future_knob: { depth: 3 }, style_hint: 'dry' },
        queryParams: { future_flag: 'on' },
      },
    );
    const call = recorder.recorded.findLast((s) => s.path.startsWith('/v1/text-to-dialogue'));
    const url = new URL(call?.path ?? '/', 'http://upstream');
    expect(url.searchParams.get('future_flag')).toBe('on');
    expect(url.searchParams.get('output_format')).toBe('mp3_44100_128');
    const body = JSON.parse(call?.body.toString() ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({ future_knob: { depth: 3 }, style_hint: 'dry', seed: 7 });
    expect(await lastJob()).toMatchObject({
      status: 'succeeded',
      request: {
        upstream_extra: {
          body: { future_knob: { depth: 3 }, style_hint: 'dry' },
          query: { future_flag: 'on' },
        },
      },
    });
  });

  it('the fingerprint covers them: a different unknown field is not a cache hit', async () => {
    const request = { ...DIALOGUE, seed: 8 };
    await gateway.textToDialogue.convert(request, {
      additionalBodyParameters: { future_knob: 1 },
    });
    const first = await lastJob();
    await gateway.textToDialogue.convert(request, {
      additionalBodyParameters: { future_knob: 1 },
    });
    expect(await lastJob()).toMatchObject({ cache: 'hit', fingerprint: first['fingerprint'] });
    const calls = recorder.recorded.length;
    await gateway.textToDialogue.convert(request, {
      additionalBodyParameters: { future_knob: 2 },
    });
    const third = await lastJob();
    expect(third['cache']).not.toBe('hit');
    expect(third['fingerprint']).not.toBe(first['fingerprint']);
    expect(recorder.recorded.length).toBe(calls + 1);
  });

  it('multipart fields we do not know reach the upstream form', async () => {
    await gateway.speechToSpeech.convert(
      'JBFqnCBsd6RMkjVDRZzb',
      { audio: toneWav(1), seed: 9, outputFormat: 'mp3_44100_128' },
      { queryParams: { future_flag: 'yes' } },
    );
    // The SDK has no extra-form-field option: a raw multipart call, as a newer SDK would send.
    const form = new FormData();
    form.append('audio', new Blob([toneWav(1)], { type: 'audio/wav' }), 'in.wav');
    form.append('seed', '10');
    form.append('future_field', 'keep me');
    const response = await fetch(`${service.url}/v1/speech-to-speech/JBFqnCBsd6RMkjVDRZzb`, {
      method: 'POST',
      headers: { 'xi-api-key': KEY },
      body: form,
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const call = recorder.recorded.findLast((s) => s.path.startsWith('/v1/speech-to-speech'));
    expect(call?.body.toString()).toMatch(/name="future_field"\r\n\r\nkeep me\r\n/);
    const earlier = recorder.recorded.filter((s) => s.path.startsWith('/v1/speech-to-speech'));
    expect(new URL(earlier[0]?.path ?? '/', 'http://u').searchParams.get('future_flag')).toBe(
      'yes',
    );
  });
});
