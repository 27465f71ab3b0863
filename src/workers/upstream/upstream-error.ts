import { AppError } from '../../shared/errors.ts';

/**
 * How a failed upstream call should be handled. The kind decides the control flow:
 * - `concurrency`: the account limit was hit; not the job's fault, retry without spending an attempt;
 * - `retryable`: transient (5xx, system_busy, network, timeouts, truncated bodies): backoff;
 * - `quota`: out of credits; every other job would fail the same way;
 * - `fatal`: the request itself was refused (validation, auth, payment, not found).
 */
export type UpstreamErrorKind = 'concurrency' | 'retryable' | 'quota' | 'fatal';

export interface UpstreamErrorInit {
  kind: UpstreamErrorKind;
  status: number | null;
  upstreamCode: string | null;
  message: string;
  suggestion?: unknown;
  retryAfterMs?: number | null;
  requestId?: string | null;
  /** The response's kept headers (none without a response): a refused call may be billed. */
  headers?: Readonly<Record<string, string>>;
  cause?: unknown;
}

export class UpstreamError extends AppError {
  readonly kind: UpstreamErrorKind;
  readonly status: number | null;
  readonly upstreamCode: string | null;
  readonly suggestion: unknown;
  readonly retryAfterMs: number | null;
  readonly requestId: string | null;
  readonly headers: Readonly<Record<string, string>>;

  constructor(init: UpstreamErrorInit) {
    super(codeFor(init), init.message, 502, {
      retryable: init.kind === 'retryable' || init.kind === 'concurrency',
      cause: init.cause,
    });
    this.kind = init.kind;
    this.status = init.status;
    this.upstreamCode = init.upstreamCode;
    this.suggestion = init.suggestion ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.requestId = init.requestId ?? null;
    this.headers = init.headers ?? {};
  }
}

function codeFor(init: UpstreamErrorInit): string {
  if (init.upstreamCode) return init.upstreamCode;
  if (init.status === null) return 'upstream_unreachable';
  return `upstream_http_${init.status}`;
}
