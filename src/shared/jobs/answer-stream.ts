import type { JobRecord } from './job-record.ts';

/**
 * The entries of a gateway answer stream (keys.gatewayAnswer): written by the worker as the
 * upstream's answer arrives (answer-tee.ts), read by the gateway (streamed-answer.ts). Field
 * `k` names the entry; each attempt starts with a `head`, so a retry restarts the answer.
 */
export const ANSWER_ENTRY = {
  /** The upstream answered 2xx; `h`: its kept headers as JSON. */
  head: 'head',
  /** `d`: the next bytes of the body, as they came. */
  data: 'data',
  /** The body was read to its end. */
  end: 'end',
  /** The body broke off (`m`: why); a retry may follow with a new `head`. */
  error: 'error',
} as const;

/** How long an answer stream outlives its last entry, seconds: a reader gone, Redis cleans up. */
export const ANSWER_STREAM_TTL_SECONDS = 600;
/** Entries kept per answer (about): a bound for a reader that never comes, not a window. */
export const ANSWER_STREAM_MAX_ENTRIES = 100_000;

/**
 * Whether a job's upstream answer is teed for the gateway: only a gateway call to one of the
 * upstream's stream endpoints has a caller waiting for bytes as they come; every other job
 * answers from storage once it has ended, and costs Redis nothing.
 */
export function teesAnswer(record: Pick<JobRecord, 'source' | 'request'>): boolean {
  if (record.source !== 'gateway') return false;
  const options: unknown = 'options' in record.request ? record.request.options : undefined;
  return typeof options === 'object' && options !== null && 'stream' in options
    ? options.stream === true
    : false;
}
