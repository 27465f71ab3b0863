import { AppError, ServiceUnavailableError } from '../../shared/errors.ts';
import type { HostResolver } from '../../shared/net/host-resolver.ts';
import { urlProblems, type UrlPolicy } from '../../shared/net/url-guard.ts';
import type { WebhookTarget } from '../../shared/webhooks/webhook-target.ts';
import type { BatchItem } from './batch-items.ts';
import type { BatchProblems } from './batch-problems.ts';

/**
 * The DNS half of a batch's URL checks (the syntax half runs in validateItems): every item's
 * input and webhook URL, and the batch's webhook, must resolve to public addresses only. Each
 * distinct host is resolved once per submission, however many items name it.
 */
export async function checkBatchUrls(
  items: readonly (BatchItem | null)[],
  batchWebhook: WebhookTarget | undefined,
  policy: UrlPolicy,
  resolve: HostResolver | undefined,
  problems: BatchProblems,
): Promise<void> {
  if (policy.allowPrivate) return;
  const resolveOnce = memoized(resolve);
  const check = async (index: number | null, url: string, field: string, label: string) => {
    try {
      for (const detail of await urlProblems(url, policy, field, resolveOnce))
        problems.add(index, { ...detail, message: `${detail.message}${label}` });
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new ServiceUnavailableError(
        'A URL host could not be resolved now; retry shortly.',
        error,
      );
    }
  };
  if (batchWebhook) await check(null, batchWebhook.url, 'webhook.url', '');
  for (const [index, item] of items.entries()) {
    if (!item) continue;
    const label = ` (custom_id ${JSON.stringify(item.custom_id)})`;
    const input = 'input' in item ? item.input : undefined;
    if (input?.url !== undefined) await check(index, input.url, `items[${index}].input.url`, label);
    const webhook = (item as { webhook?: WebhookTarget }).webhook;
    if (webhook) await check(index, webhook.url, `items[${index}].webhook.url`, label);
  }
}

function memoized(resolve: HostResolver | undefined): HostResolver | undefined {
  if (!resolve) return undefined;
  const seen = new Map<string, ReturnType<HostResolver>>();
  return (hostname) => {
    let answer = seen.get(hostname);
    if (!answer) {
      answer = resolve(hostname);
      seen.set(hostname, answer);
    }
    return answer;
  };
}
