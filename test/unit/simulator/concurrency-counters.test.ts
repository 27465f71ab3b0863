import { describe, expect, it } from 'vitest';
import { DEFAULT_SIMULATOR_CONFIG, mergeConfig } from '../../../src/simulator/config.ts';
import {
  applyConfigPatch,
  countersOf,
  createSimulatorState,
  resetSimulatorState,
} from '../../../src/simulator/state.ts';

describe('concurrency limiter and counters', () => {
  it('holds each class to its limit, tracks peaks, and frees a slot once', () => {
    const state = createSimulatorState(
      mergeConfig(DEFAULT_SIMULATOR_CONFIG, { concurrency: { speech: 2, music: 1 } }),
    );
    const a = state.limiter.tryAcquire('speech');
    const b = state.limiter.tryAcquire('speech');
    expect(state.limiter.tryAcquire('speech')).toBeNull();
    const m = state.limiter.tryAcquire('music');
    expect(m).not.toBeNull();
    expect(state.limiter.tryAcquire('music')).toBeNull();
    expect(countersOf(state)).toMatchObject({
      in_flight: 3,
      max_in_flight: 3,
      in_flight_by_class: { speech: 2, music: 1 },
    });
    a?.();
    a?.(); // a second release must not free a second slot
    expect(state.limiter.inFlight('speech')).toBe(1);
    expect(state.limiter.tryAcquire('speech')).not.toBeNull();
    expect(state.limiter.tryAcquire('speech')).toBeNull();
    b?.();
    m?.();
    expect(countersOf(state)).toMatchObject({
      in_flight: 1,
      max_in_flight: 3,
      max_in_flight_by_class: { speech: 2, music: 1 },
    });
  });

  it('applies a new limit to the next request without touching the running ones', () => {
    const state = createSimulatorState(
      mergeConfig(DEFAULT_SIMULATOR_CONFIG, { concurrency: { speech: 1 } }),
    );
    expect(state.limiter.tryAcquire('speech')).not.toBeNull();
    expect(state.limiter.tryAcquire('speech')).toBeNull();
    applyConfigPatch(state, { concurrency: { speech: 2 } });
    expect(state.limiter.tryAcquire('speech')).not.toBeNull();
    expect(state.limiter.limit('speech')).toBe(2);
  });

  it('reset zeroes counts but keeps what is still in flight, the config and the credits setting', () => {
    const state = createSimulatorState(
      mergeConfig(DEFAULT_SIMULATOR_CONFIG, { credits: 100, faults: { next: ['error_500'] } }),
    );
    state.counters.countRequest('POST /x');
    state.counters.countResponse(200);
    state.counters.countFault('error_500');
    state.counters.countRejectedConcurrency();
    state.creditsRemaining = 40;
    const held = state.limiter.tryAcquire('speech');
    state.limiter.tryAcquire('speech')?.();
    resetSimulatorState(state);
    expect(countersOf(state)).toEqual({
      requests: {},
      responses: {},
      in_flight: 1,
      max_in_flight: 1,
      in_flight_by_class: { speech: 1, music: 0 },
      max_in_flight_by_class: { speech: 1, music: 0 },
      faults: {},
      rejected_concurrency: 0,
      credits_remaining: 100,
      characters_billed: 0,
      billed_responses: 0,
    });
    expect(state.faults.pending()).toEqual([]);
    expect(state.config.faults.next).toEqual(['error_500']); // config kept, queue emptied
    held?.();
  });

  it('refuses an invalid patch and leaves the state as it was', () => {
    const state = createSimulatorState(DEFAULT_SIMULATOR_CONFIG);
    expect(() =>
      applyConfigPatch(state, { faults: { rates: { error_500: 0.9, system_busy: 0.9 } } }),
    ).toThrow();
    expect(state.config).toEqual(DEFAULT_SIMULATOR_CONFIG);
  });
});
