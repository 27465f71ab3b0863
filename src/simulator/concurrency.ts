import type { ConcurrencyClass } from './config.ts';

/** Frees a slot; calling it again does nothing. */
export type ReleaseSlot = () => void;

/** In-flight counts per class. */
export type InFlightByClass = Record<ConcurrencyClass, number>;

/**
 * The account's concurrency limit: a request holds a slot of its class from arrival until its
 * response ends or its socket closes. Limits are read on every acquire, so a config change
 * applies to the next request without disturbing the ones in flight.
 */
export class ConcurrencyLimiter {
  readonly #inFlight: InFlightByClass = { speech: 0, music: 0 };

  constructor(
    private readonly limitOf: (cls: ConcurrencyClass) => number,
    private readonly onChange: (inFlight: Readonly<InFlightByClass>) => void = () => {},
  ) {}

  /** A slot of `cls`, or null when the class is at its limit. */
  tryAcquire(cls: ConcurrencyClass): ReleaseSlot | null {
    if (this.#inFlight[cls] >= this.limitOf(cls)) return null;
    this.#inFlight[cls] += 1;
    this.onChange(this.#inFlight);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight[cls] -= 1;
      this.onChange(this.#inFlight);
    };
  }

  /** Requests of `cls` holding a slot now. */
  inFlight(cls: ConcurrencyClass): number {
    return this.#inFlight[cls];
  }

  /** The current limit of `cls`. */
  limit(cls: ConcurrencyClass): number {
    return this.limitOf(cls);
  }

  /** A copy of the per-class counts. */
  snapshot(): InFlightByClass {
    return { ...this.#inFlight };
  }
}
