import { z } from 'zod';
import { AppError, type ErrorDetail } from '../errors.ts';
import { checkUrlSyntax, type UrlPolicy } from '../net/url-guard.ts';

/**
 * Where a job's or a batch's events are POSTed. Only the URL is the caller's: the signing
 * secret is the deployment's (WEBHOOK_SECRET), so it never travels in a request or a record.
 */
export const webhookTargetSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/ })
      .max(2_048)
      .describe('https URL receiving the events (Standard Webhooks signed POSTs)'),
  })
  .strict();
export type WebhookTarget = z.infer<typeof webhookTargetSchema>;

/** What intake needs to accept a webhook: the URL policy and whether signing is configured. */
export interface WebhookPolicy extends UrlPolicy {
  /** False when WEBHOOK_SECRET is unset: a webhook could not be signed, so it is refused. */
  signingConfigured: boolean;
}

/**
 * The problems with a webhook target at intake (empty when acceptable): the same syntactic
 * URL rules as input URLs (https, no literal private address unless allowed), checked again
 * with DNS at every delivery. `field` names the offending field, e.g. `items[3].webhook.url`.
 */
export function webhookProblems(
  target: WebhookTarget | undefined,
  policy: WebhookPolicy,
  field: string,
): ErrorDetail[] {
  if (target === undefined) return [];
  if (!policy.signingConfigured) {
    return [
      {
        field,
        message: 'webhooks are not configured on this deployment (WEBHOOK_SECRET is unset)',
        code: 'webhooks_disabled',
      },
    ];
  }
  try {
    checkUrlSyntax(target.url, policy, field);
    return [];
  } catch (error) {
    if (error instanceof AppError) return error.details;
    throw error;
  }
}
