import { createPrng, hashParts, type Prng } from './prng.ts';
import { FAULT_KINDS, type FaultKind, type SimulatorConfig } from './config.ts';

/** Faults that replace the response before it starts. */
export type PreResponseFault = 'concurrency_429' | 'system_busy' | 'error_500' | 'stall_headers';
/** Faults that damage a response on its way out (headers sent, body cut or stalled). */
export type BodyFault = 'reset_mid_body' | 'truncated_body' | 'stall_body';

/** True for the faults applied while sending the body. */
export function isBodyFault(kind: FaultKind): kind is BodyFault {
  return kind === 'reset_mid_body' || kind === 'truncated_body' || kind === 'stall_body';
}

type FaultsConfig = SimulatorConfig['faults'];
type QueuedFault = FaultsConfig['next'][number];

/**
 * Decides the fault (if any) of each upstream request: first from the `next` queue, one entry
 * per request in order; once it is empty, by `rates` with a PRNG seeded from `seed`, so a run
 * with the same seed and the same request order injects the same faults.
 */
export class FaultPicker {
  #queue: QueuedFault[] = [];
  #prng: Prng;

  constructor(faults: FaultsConfig) {
    this.#prng = FaultPicker.#prngFor(faults.seed);
    this.#queue = [...faults.next];
  }

  static #prngFor(seed: number): Prng {
    return createPrng(hashParts(['faults', String(seed)]));
  }

  /** Applies a config patch's fault settings: a new queue replaces the old, a new seed restarts. */
  update(patch: Partial<FaultsConfig>): void {
    if (patch.next) this.#queue = [...patch.next];
    if (patch.seed !== undefined) this.#prng = FaultPicker.#prngFor(patch.seed);
  }

  /** Empties the queue and restarts the PRNG from `seed`. */
  reset(seed: number): void {
    this.#queue = [];
    this.#prng = FaultPicker.#prngFor(seed);
  }

  /** Queued faults not yet consumed. */
  pending(): readonly QueuedFault[] {
    return [...this.#queue];
  }

  /** The fault for the next request, or null for none. */
  draw(rates: FaultsConfig['rates']): FaultKind | null {
    const queued = this.#queue.shift();
    if (queued !== undefined) return queued === 'none' ? null : queued;
    const active = FAULT_KINDS.filter((kind) => (rates[kind] ?? 0) > 0);
    if (active.length === 0) return null;
    let roll = this.#prng.next();
    for (const kind of active) {
      roll -= rates[kind] ?? 0;
      if (roll < 0) return kind;
    }
    return null;
  }
}
