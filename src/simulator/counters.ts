import type { FaultKind } from './config.ts';
import type { InFlightByClass } from './concurrency.ts';

/**
 * What the simulator has seen since start or the last reset, for tests and benchmarks. The same
 * snake_case object is returned by `counters()` and served by `GET /_simulator/counters`.
 */
export interface SimulatorCounters {
  /** Upstream requests by endpoint template, e.g. `POST /v1/speech-to-speech/{voice_id}`. */
  requests: Record<string, number>;
  /** Responses by status code (as a string key); stalled requests that never answer are absent. */
  responses: Record<string, number>;
  /** Requests holding a concurrency slot now, all classes. */
  in_flight: number;
  /** Highest `in_flight` seen. */
  max_in_flight: number;
  in_flight_by_class: InFlightByClass;
  max_in_flight_by_class: InFlightByClass;
  /** Faults injected, by kind. */
  faults: Partial<Record<FaultKind, number>>;
  /** 429s answered because the account limit was reached (injected 429s count under faults). */
  rejected_concurrency: number;
  /** Credits left when `credits` is configured, else null. */
  credits_remaining: number | null;
  /** The sum of every `character-cost` header sent, and how many responses carried one. */
  characters_billed: number;
  billed_responses: number;
}

function increment<K extends string>(record: Partial<Record<K, number>>, key: K): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** Mutable counters behind {@link SimulatorCounters}. */
export class CounterStore {
  #requests: Record<string, number> = {};
  #responses: Record<string, number> = {};
  #faults: Partial<Record<FaultKind, number>> = {};
  #rejectedConcurrency = 0;
  #charactersBilled = 0;
  #billedResponses = 0;
  #inFlight: InFlightByClass = { speech: 0, music: 0 };
  #maxInFlight: InFlightByClass = { speech: 0, music: 0 };
  #maxTotal = 0;

  countRequest(endpoint: string): void {
    increment(this.#requests, endpoint);
  }

  countResponse(status: number): void {
    increment(this.#responses, String(status));
  }

  countFault(kind: FaultKind): void {
    increment(this.#faults, kind);
  }

  countBilled(characters: number): void {
    this.#charactersBilled += characters;
    this.#billedResponses += 1;
  }

  countRejectedConcurrency(): void {
    this.#rejectedConcurrency += 1;
  }

  /** Called by the limiter on every change, so maxima catch every peak. */
  observeInFlight(inFlight: Readonly<InFlightByClass>): void {
    this.#inFlight = { ...inFlight };
    this.#maxInFlight.speech = Math.max(this.#maxInFlight.speech, inFlight.speech);
    this.#maxInFlight.music = Math.max(this.#maxInFlight.music, inFlight.music);
    this.#maxTotal = Math.max(this.#maxTotal, inFlight.speech + inFlight.music);
  }

  /** Zeroes everything but what is in flight now (those requests are still running). */
  reset(): void {
    this.#requests = {};
    this.#responses = {};
    this.#faults = {};
    this.#rejectedConcurrency = 0;
    this.#charactersBilled = 0;
    this.#billedResponses = 0;
    this.#maxInFlight = { ...this.#inFlight };
    this.#maxTotal = this.#inFlight.speech + this.#inFlight.music;
  }

  snapshot(creditsRemaining: number | null): SimulatorCounters {
    return {
      requests: { ...this.#requests },
      responses: { ...this.#responses },
      in_flight: this.#inFlight.speech + this.#inFlight.music,
      max_in_flight: this.#maxTotal,
      in_flight_by_class: { ...this.#inFlight },
      max_in_flight_by_class: { ...this.#maxInFlight },
      faults: { ...this.#faults },
      rejected_concurrency: this.#rejectedConcurrency,
      credits_remaining: creditsRemaining,
      characters_billed: this.#charactersBilled,
      billed_responses: this.#billedResponses,
    };
  }
}
