import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SIMULATOR_CONFIG,
  SimulatorConfigError,
  mergeConfig,
  parseConfigPatch,
} from '../../../src/simulator/config.ts';
import { loadSimulatorConfig } from '../../../src/simulator/load-config.ts';

describe('mergeConfig', () => {
  it('replaces top-level keys and merges nested objects one level deep', () => {
    const merged = mergeConfig(DEFAULT_SIMULATOR_CONFIG, {
      latencyMs: 200,
      concurrency: { speech: 10 },
      faults: { rates: { error_500: 0.1 } },
    });
    expect(merged.latencyMs).toBe(200);
    expect(merged.concurrency).toEqual({ speech: 10, music: 2 });
    expect(merged.faults).toEqual({ seed: 1, rates: { error_500: 0.1 }, next: [] });
    expect(merged.limits).toEqual(DEFAULT_SIMULATOR_CONFIG.limits);
  });

  it('refuses fault rates summing above 1, listing the problem', () => {
    expect(() =>
      mergeConfig(DEFAULT_SIMULATOR_CONFIG, {
        faults: { rates: { error_500: 0.6, system_busy: 0.5 } },
      }),
    ).toThrow(/faults\.rates: sum to 1\.1/);
  });
});

describe('parseConfigPatch', () => {
  it('lists every problem at once', () => {
    try {
      parseConfigPatch({
        latencyMs: -1,
        concurrency: { speech: 0 },
        faults: { next: ['boom'] },
        unknownKey: true,
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SimulatorConfigError);
      const issues = (error as SimulatorConfigError).issues.join('\n');
      expect(issues).toMatch(/latencyMs/);
      expect(issues).toMatch(/concurrency\.speech/);
      expect(issues).toMatch(/faults\.next\.0/);
      expect(issues).toMatch(/unknownKey/);
    }
  });

  it('accepts null to clear the API key', () => {
    expect(parseConfigPatch({ apiKey: null })).toEqual({ apiKey: null });
  });
});

describe('loadSimulatorConfig', () => {
  it('gives the defaults for an empty environment', () => {
    expect(loadSimulatorConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8790,
      config: DEFAULT_SIMULATOR_CONFIG,
    });
  });

  it('reads every variable, empty ones counting as unset', () => {
    const { host, port, config } = loadSimulatorConfig({
      SIMULATOR_HOST: '0.0.0.0',
      SIMULATOR_PORT: '0',
      SIMULATOR_API_KEY: 'k',
      SIMULATOR_LATENCY_MS: '150',
      SIMULATOR_LATENCY_PER_AUDIO_SECOND_MS: '20',
      SIMULATOR_SPEECH_CONCURRENCY: '10',
      SIMULATOR_MUSIC_CONCURRENCY: '',
      SIMULATOR_ERROR_SHAPE: 'alternate',
      SIMULATOR_REJECT_VOICE_IDS: 'a, b,,',
      SIMULATOR_RETRY_AFTER_SECONDS: '3',
      SIMULATOR_CREDITS: '5000',
      SIMULATOR_PLAN: 'free',
      SIMULATOR_DIALOGUE_CHUNK_TIMES: 'relative',
      SIMULATOR_FAULT_SEED: '99',
      SIMULATOR_FAULT_RATES: 'error_500=0.1, reset_mid_body=0.05',
      SIMULATOR_MAX_INPUT_BYTES: '1000',
      SIMULATOR_MAX_INPUT_SECONDS: '10',
    });
    expect({ host, port }).toEqual({ host: '0.0.0.0', port: 0 });
    expect(config).toEqual({
      apiKey: 'k',
      latencyMs: 150,
      chunkDelayMs: 0,
      holdLastChunk: false,
      latencyPerAudioSecondMs: 20,
      concurrency: { speech: 10, music: 2 },
      errorShape: 'alternate',
      rejectVoiceIds: ['a', 'b'],
      retryAfterSeconds: 3,
      credits: 5000,
      plan: 'free',
      dialogueChunkTimes: 'relative',
      stems: DEFAULT_SIMULATOR_CONFIG.stems,
      faults: { seed: 99, rates: { error_500: 0.1, reset_mid_body: 0.05 }, next: [] },
      limits: { maxInputBytes: 1000, maxInputSeconds: 10 },
    });
  });

  it('reports all bad values together', () => {
    const load = (): unknown =>
      loadSimulatorConfig({
        SIMULATOR_ERROR_SHAPE: 'weird',
        SIMULATOR_FAULT_RATES: 'explode=0.5',
        SIMULATOR_LATENCY_MS: '-5',
      });
    expect(load).toThrow(SimulatorConfigError);
    expect(load).toThrow(/SIMULATOR_FAULT_RATES.*explode/);
    expect(load).toThrow(/errorShape/);
    expect(load).toThrow(/latencyMs/);
  });

  it('refuses a port that is not a port', () => {
    expect(() => loadSimulatorConfig({ SIMULATOR_PORT: '70000' })).toThrow(/SIMULATOR_PORT/);
  });
});
