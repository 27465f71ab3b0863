import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../../src/simulator/index.ts';
import { submit, waitFinished } from '../e2e/e2e-helpers.ts';
import { SIMULATOR_KEY, startTestService, type TestService } from '../e2e/service-harness.ts';
import { startRecordingProxy, type RecordingProxy } from '../../support/recording-proxy.ts';

describe('the upstream surface reaches the upstream (simulator)', () => {
  let simulator: RunningSimulator;
  let recorder: RecordingProxy;
  let service: TestService;
  beforeAll(async () => {
    simulator = await startSimulator({ apiKey: SIMULATOR_KEY, port: 0, host: '127.0.0.1' });
    recorder = await startRecordingProxy(simulator.url);
    service = await startTestService({
      storage: 'file',
      env: { ELEVENLABS_BASE_URL: recorder.url },
    });
  });
  afterAll(async () => {
    await service?.stop();
    await recorder?.stop();
    await simulator?.close();
  });

  it('sends dialogue enable_logging=false as a query parameter, language codes and nulls as accepted', async () => {
    const job = await submit(service, {
      type: 'text_to_dialogue',
      params: {
        inputs: [{ text: 'Zero retention, please.', voice_id: 'JBFqnCBsd6RMkjVDRZzb' }],
        language_code: 'pt-BR',
        settings: null,
        enable_logging: false,
        output_format: 'pcm_16000',
      },
    });
    expect((await waitFinished(service, job.id)).status).toBe('succeeded');
    const call = recorder.recorded.find((s) => s.path.startsWith('/v1/text-to-dialogue'));
    const query = new URL(call!.path, 'http://x').searchParams;
    expect(query.get('enable_logging')).toBe('false');
    const body = JSON.parse(call!.body.toString()) as Record<string, unknown>;
    expect(body).toMatchObject({ language_code: 'pt-BR' });
    expect(body).not.toHaveProperty('enable_logging');
    expect(body).not.toHaveProperty('settings');
  });

  it('sends music with_timestamps and sign_with_c2pa, and no model_id when none was named', async () => {
    const job = await submit(service, {
      type: 'music',
      params: {
        prompt: 'calm piano',
        music_length_ms: 3_000,
        with_timestamps: true,
        sign_with_c2pa: true,
      },
      options: { detailed: true },
    });
    expect((await waitFinished(service, job.id)).status).toBe('succeeded');
    const call = recorder.recorded.find((s) => s.path.startsWith('/v1/music/detailed'));
    const body = JSON.parse(call!.body.toString()) as Record<string, unknown>;
    expect(body).toMatchObject({
      prompt: 'calm piano',
      with_timestamps: true,
      sign_with_c2pa: true,
    });
    expect(body).not.toHaveProperty('model_id');
  });
});
