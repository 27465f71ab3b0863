import { mergeDefaults } from '../../shared/batches/item-defaults.ts';
import { AppError } from '../../shared/errors.ts';
import { jobRequestSchema, type JobRequest } from '../../shared/jobs/job-request.ts';
import { resolveFfmpeg, type FfmpegBinary } from '../../shared/media/ffmpeg-binary.ts';
import { checkUrlSyntax } from '../../shared/net/url-guard.ts';
import { webhookProblems, type WebhookPolicy } from '../../shared/webhooks/webhook-target.ts';
import { issuesToDetails } from '../validation.ts';
import type { BatchProblems } from './batch-problems.ts';
import { toolProblems } from './tool-checks.ts';

/** A batch item once valid: the normalized request, its custom_id always set. */
export type BatchItem = JobRequest & { custom_id: string };

/**
 * Validates every item against the job request schema, `defaults` merged under it, and
 * returns the normalized requests (null for an invalid item). Each result replaces its raw
 * item in `items` as it goes, so a 50,000-item batch is held once, not twice. Problems go to
 * `problems`, named `items[i].<field>` with the item's custom_id in the message (`itemField`
 * names them otherwise: a matrix's expanded items by the item they came from).
 */
export function validateItems(
  items: unknown[],
  defaults: Record<string, unknown> | undefined,
  policy: WebhookPolicy,
  problems: BatchProblems,
  ffmpeg: FfmpegBinary = resolveFfmpeg(),
  itemField: (index: number) => string = (index) => `items[${index}]`,
): (BatchItem | null)[] {
  const seen = new Map<string, number>();
  for (let index = 0; index < items.length; index++) {
    const raw = items[index];
    const field = itemField(index);
    items[index] = null;
    if (!isPlainObject(raw)) {
      problems.add(index, { field, message: 'must be a job request object', code: 'invalid_type' });
      continue;
    }
    const merged = defaults ? mergeDefaults(defaults, raw) : raw;
    // Generated from the index when absent, so every result line can be matched to its item.
    const customId = typeof merged.custom_id === 'string' ? merged.custom_id : `item-${index}`;
    const label = ` (custom_id ${JSON.stringify(customId)})`;
    const first = seen.get(customId);
    if (first !== undefined) {
      problems.add(index, {
        field: `${field}.custom_id`,
        message: `duplicates the custom_id of ${itemField(first)}${label}`,
        code: 'duplicate_custom_id',
      });
    } else seen.set(customId, index);

    // `merged` is ours (a merge result, or the item parsed from this request's body).
    merged.custom_id = customId;
    const parsed = jobRequestSchema.safeParse(merged);
    if (!parsed.success) {
      for (const detail of issuesToDetails(parsed.error.issues, ''))
        problems.add(index, {
          ...detail,
          field: detail.field ? `${field}.${detail.field}` : field,
          message: `${detail.message}${label}`,
        });
      continue;
    }
    const request = parsed.data as BatchItem;
    const refused = [
      ...urlProblems(request, policy, field),
      ...toolProblems(request, ffmpeg, field),
    ];
    for (const detail of refused)
      problems.add(index, { ...detail, message: `${detail.message}${label}` });
    if (refused.length === 0) items[index] = request;
  }
  return items as (BatchItem | null)[];
}

/** URL checks a schema cannot make: input URL and webhook URL policy. */
function urlProblems(request: JobRequest, policy: WebhookPolicy, field: string) {
  const details = webhookProblems(
    (request as { webhook?: { url: string } }).webhook,
    policy,
    `${field}.webhook.url`,
  );
  const input = 'input' in request ? request.input : undefined;
  if (input?.url !== undefined) {
    try {
      checkUrlSyntax(input.url, policy, `${field}.input.url`);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      details.push(...error.details);
    }
  }
  return details;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
