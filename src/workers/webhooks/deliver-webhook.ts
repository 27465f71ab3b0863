import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from '../../shared/redis/connections.ts';
import { request, type Agent } from 'undici';
import type { BatchKeys } from '../../shared/batches/batch-keys.ts';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { HostResolver } from '../../shared/net/host-resolver.ts';
import { checkUrlAllowed, UrlRefusedError, type UrlPolicy } from '../../shared/net/url-guard.ts';
import type { RedisKeys } from '../../shared/redis/keys.ts';
import { recordDelivery, type WebhookDelivery } from '../../shared/webhooks/webhook-deliveries.ts';
import { webhookPayloadSchema, type WebhookPayload } from '../../shared/webhooks/webhook-queue.ts';
import type { SignatureHeaders } from '../../shared/webhooks/webhook-signature.ts';

export interface DeliveryDeps {
  redis: Redis;
  keys: RedisKeys;
  batchKeys: BatchKeys;
  agent: Agent;
  /** Null when WEBHOOK_SECRET is unset: nothing can be signed, so nothing is sent. */
  sign: ((id: string, body: string) => SignatureHeaders) | null;
  policy: UrlPolicy;
  /** DNS for the pre-delivery check; the system resolver when absent. */
  resolveHost?: HostResolver;
  timeoutMs: number;
  logger: Logger;
}

/** What one attempt came to, before it is recorded. */
type AttemptResult = Pick<WebhookDelivery, 'outcome' | 'status_code' | 'error'> & {
  retryable: boolean;
};

/** How much of a receiver's answer is read (and thrown away) so the connection can be reused. */
const RESPONSE_DRAIN_LIMIT = 64 * 1024;

/**
 * The `webhooks` queue's processor: one signed POST per attempt, recorded on the job or batch
 * whatever its outcome. 2xx delivers; any other answer or none fails the attempt and BullMQ
 * retries with backoff; a refused URL (private address, no secret) and 410 Gone are final.
 * Redirects are not followed: a receiver that moved must be configured anew.
 */
export function createDeliveryProcessor(deps: DeliveryDeps) {
  return async function deliver(job: Job<WebhookPayload>): Promise<void> {
    const parsed = webhookPayloadSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid payload: ${parsed.error.message}`);
    const payload = parsed.data;
    const attempt = job.attemptsMade + 1;
    const attemptedAt = new Date();
    const started = performance.now();
    const result = await send(deps, payload);
    const willRetry =
      result.outcome === 'failed' && result.retryable && attempt < (job.opts.attempts ?? 1);
    const { retryable: _retryable, ...shown } = result;
    const key =
      payload.subject.kind === 'job'
        ? deps.keys.job(payload.subject.id)
        : deps.batchKeys.batch(payload.subject.id);
    await recordDelivery(deps.redis, key, {
      message_id: payload.message_id,
      event: payload.event,
      attempt,
      attempted_at: attemptedAt.toISOString(),
      duration_ms: Math.round(performance.now() - started),
      will_retry: willRetry,
      ...shown,
    });
    const log = { ...payload.subject, event: payload.event, attempt, ...shown };
    if (result.outcome === 'delivered') {
      deps.logger.info(log, 'webhook delivered');
      return;
    }
    deps.logger.warn({ ...log, will_retry: willRetry }, 'webhook delivery failed');
    const message = result.error ?? 'delivery failed';
    throw willRetry ? new Error(message) : new UnrecoverableError(message);
  };
}

async function send(deps: DeliveryDeps, payload: WebhookPayload): Promise<AttemptResult> {
  if (deps.sign === null) return refused('WEBHOOK_SECRET is not configured');
  try {
    await checkUrlAllowed(payload.url, deps.policy, 'webhook.url', deps.resolveHost);
  } catch (error) {
    // A name that does not resolve now may resolve later: retried like a failed connection.
    if (error instanceof AppError && error.code !== 'url_unresolvable')
      return refused(error.message);
    return failed(null, `DNS lookup failed: ${errorMessage(error)}`, true);
  }
  try {
    const response = await request(payload.url, {
      method: 'POST',
      dispatcher: deps.agent,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'audiobatch-webhooks/1',
        ...deps.sign(payload.message_id, payload.body),
      },
      body: payload.body,
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    await response.body.dump({ limit: RESPONSE_DRAIN_LIMIT }).catch(() => undefined);
    const status = response.statusCode;
    if (status >= 200 && status < 300)
      return { outcome: 'delivered', status_code: status, error: null, retryable: false };
    // 410: the receiver says the endpoint is gone for good (Standard Webhooks' convention).
    return failed(status, `receiver answered HTTP ${status}`, status !== 410);
  } catch (error) {
    // The connection's own lookup refused the address (DNS changed since the check above).
    const refusal = refusedAtConnect(error);
    if (refusal) return refused(refusal.message);
    return failed(null, errorMessage(error), true);
  }
}

function refusedAtConnect(error: unknown): UrlRefusedError | null {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    if (current instanceof UrlRefusedError) return current;
    current = current.cause;
  }
  return null;
}

function refused(error: string): AttemptResult {
  return { outcome: 'refused', status_code: null, error, retryable: false };
}

function failed(status: number | null, error: string, retryable: boolean): AttemptResult {
  return { outcome: 'failed', status_code: status, error, retryable };
}

function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}
