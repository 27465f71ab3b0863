import { AppError } from '../../shared/errors.ts';
import { UpstreamError } from '../upstream/upstream-error.ts';

/**
 * No account slot came free within UPSTREAM_SLOT_WAIT_MS. Not the job's fault: it goes back to
 * the queue without spending an attempt.
 */
export class SlotWaitTimeoutError extends AppError {
  constructor(waitedMs: number) {
    super('slot_wait_timeout', `no upstream slot came free within ${waitedMs} ms`, 503, {
      retryable: true,
    });
  }
}

/** This process is shutting down: a job that has not called the upstream yet goes back. */
export class WorkerStoppingError extends AppError {
  constructor() {
    super('worker_stopping', 'the worker is shutting down', 503, { retryable: true });
  }
}

/**
 * The slot's lease expired and the class filled up meanwhile (the process froze longer than the
 * lease): the call is stopped so the account stays within its limit, and retried.
 */
export function slotLostError(): UpstreamError {
  return new UpstreamError({
    kind: 'retryable',
    status: null,
    upstreamCode: 'slot_lease_lost',
    message: 'the upstream slot lease was lost; the call was stopped to keep the account limit',
  });
}

/** True for the errors that return a job to the queue without spending an attempt. */
export function isSlotRequeue(error: unknown): boolean {
  return error instanceof SlotWaitTimeoutError || error instanceof WorkerStoppingError;
}
