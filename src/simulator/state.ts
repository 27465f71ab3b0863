import { ConcurrencyLimiter } from './concurrency.ts';
import { mergeConfig, type SimulatorConfig, type SimulatorConfigPatch } from './config.ts';
import { CounterStore, type SimulatorCounters } from './counters.ts';
import { FaultPicker } from './faults.ts';

/** Everything a running simulator knows: its config and what it has counted. */
export interface SimulatorState {
  config: SimulatorConfig;
  readonly counters: CounterStore;
  readonly limiter: ConcurrencyLimiter;
  readonly faults: FaultPicker;
  /** Credits left, when `credits` is configured. */
  creditsRemaining: number | null;
  /** How many 429s were sent, to alternate shapes under `errorShape: 'alternate'`. */
  shapeTurns: number;
  /** How many injected 500s were sent, to alternate wrapped and bare bodies. */
  internalErrorTurns: number;
  /** Streamed bodies waiting to send their last chunk (holdLastChunk): each resumes one. */
  readonly heldChunks: Set<() => void>;
}

/** A fresh state for `config`. */
export function createSimulatorState(config: SimulatorConfig): SimulatorState {
  const counters = new CounterStore();
  const state: SimulatorState = {
    config,
    counters,
    limiter: new ConcurrencyLimiter(
      (cls) => state.config.concurrency[cls],
      (inFlight) => counters.observeInFlight(inFlight),
    ),
    faults: new FaultPicker(config.faults),
    creditsRemaining: config.credits,
    shapeTurns: 0,
    internalErrorTurns: 0,
    heldChunks: new Set(),
  };
  return state;
}

/** Applies a validated patch; throws SimulatorConfigError (state unchanged) if the result is invalid. */
export function applyConfigPatch(state: SimulatorState, patch: SimulatorConfigPatch): void {
  state.config = mergeConfig(state.config, patch);
  if (patch.faults) state.faults.update(patch.faults);
  if (patch.credits !== undefined) state.creditsRemaining = patch.credits;
  if (!state.config.holdLastChunk) releaseHeldChunks(state);
}

/** Lets every held streamed body send its last chunk. */
function releaseHeldChunks(state: SimulatorState): void {
  for (const release of [...state.heldChunks]) release();
  state.heldChunks.clear();
}

/** Counters to zero, fault queue emptied and its PRNG restarted, credits refilled; config kept. */
export function resetSimulatorState(state: SimulatorState): void {
  state.counters.reset();
  state.faults.reset(state.config.faults.seed);
  state.creditsRemaining = state.config.credits;
  state.shapeTurns = 0;
  state.internalErrorTurns = 0;
}

/** The counters as served to tests and benchmarks. */
export function countersOf(state: SimulatorState): SimulatorCounters {
  return state.counters.snapshot(state.creditsRemaining);
}

/** The shape of the next 429 body: as configured, or switching each time under `alternate`. */
export function nextRateLimitShape(state: SimulatorState): 'current' | 'legacy' {
  const shape = state.config.errorShape;
  if (shape !== 'alternate') return shape;
  state.shapeTurns += 1;
  return state.shapeTurns % 2 === 1 ? 'current' : 'legacy';
}
