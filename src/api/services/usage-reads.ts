import { z } from 'zod';
import { ValidationError } from '../../shared/errors.ts';
import { usagePeriods, type UsageLedger } from '../../shared/usage/usage-ledger.ts';

/** The longest range one `GET /v1/usage` reads: a day hash per day, so a bounded read. */
const MAX_DAYS = 400;

const day = z.iso.date().describe('UTC day, YYYY-MM-DD');

/** `GET /v1/usage` query. */
export const usageQuerySchema = z
  .object({
    from: day.optional().describe('First day (UTC), inclusive; default: the 1st of this month'),
    to: day.optional().describe('Last day (UTC), inclusive; default: today'),
    group_by: z
      .enum(['day', 'type', 'batch'])
      .optional()
      .describe('Totals per UTC day, per job type or per batch, beside the overall totals'),
  })
  .strict();
export type UsageQuery = z.infer<typeof usageQuerySchema>;

const totalsSchema = z.object({
  characters: z.number().int().describe('Sum of the character-cost the upstream billed'),
  calls: z.number().int().describe('Upstream calls made, failed ones included'),
});

export const usageReportSchema = z.object({
  object: z.literal('usage'),
  from: z.string(),
  to: z.string(),
  totals: totalsSchema.extend({ billed_calls: z.number().int() }),
  group_by: z.enum(['day', 'type', 'batch']).nullable(),
  /** Per group, in key order (days ascending); empty without `group_by`. */
  groups: z.array(totalsSchema.extend({ key: z.string() })),
});
export type UsageReport = z.infer<typeof usageReportSchema>;

/**
 * A tenant's usage over a range of UTC days, from the day hashes the usage ledger keeps call
 * by call: never by reading jobs, so it costs the same for 10 or 1,000,000 of them.
 */
export class UsageReads {
  constructor(private readonly ledger: UsageLedger) {}

  async report(owner: string, query: UsageQuery, now = new Date()): Promise<UsageReport> {
    const to = query.to ?? usagePeriods(now).day;
    const from = query.from ?? `${usagePeriods(now).month}-01`;
    const days = daysBetween(from, to);
    const hashes = await this.ledger.tenantDays(owner, days);
    const totals = { characters: 0, calls: 0, billed_calls: 0 };
    const groups = new Map<string, { characters: number; calls: number }>();
    const add = (key: string, field: 'characters' | 'calls', value: number) => {
      const group = groups.get(key) ?? { characters: 0, calls: 0 };
      group[field] += value;
      groups.set(key, group);
    };
    for (const [index, hash] of hashes.entries()) {
      totals.characters += Number(hash.characters ?? 0);
      totals.calls += Number(hash.calls ?? 0);
      totals.billed_calls += Number(hash.billed_calls ?? 0);
      if (query.group_by === 'day' && hash.calls !== undefined) {
        add(days[index]!, 'characters', Number(hash.characters ?? 0));
        add(days[index]!, 'calls', Number(hash.calls));
      }
      if (query.group_by === 'type' || query.group_by === 'batch') {
        // Fields `type:<type>:<figure>` and `batch:<id>:<figure>` (usage-ledger.ts).
        for (const [field, value] of Object.entries(hash)) {
          const match = /^(type|batch):(.+):(characters|calls)$/.exec(field);
          if (match?.[1] === query.group_by) add(match[2]!, match[3] as 'calls', Number(value));
        }
      }
    }
    return {
      object: 'usage',
      from,
      to,
      totals,
      group_by: query.group_by ?? null,
      groups: [...groups.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, figures]) => ({ key, ...figures })),
    };
  }
}

/** Every UTC day from `from` to `to`, both included; a 422 naming the field when out of order. */
function daysBetween(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (end < start) throw rangeError('to', 'must not be before `from`');
  const count = (end - start) / 86_400_000 + 1;
  if (count > MAX_DAYS) throw rangeError('from', `the range is at most ${MAX_DAYS} days`);
  return Array.from({ length: count }, (_, i) =>
    new Date(start + i * 86_400_000).toISOString().slice(0, 10),
  );
}

function rangeError(field: string, message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, [{ field, message }]);
}
