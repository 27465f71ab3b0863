import type { Redis } from '../redis/connections.ts';
import { z } from 'zod';
import { WEBHOOK_EVENTS } from './webhook-events.ts';
import { luaScript, runScript } from '../redis/lua-scripts.ts';

/**
 * One delivery attempt as the job or batch shows it (`webhook_deliveries`): enough to see why
 * a receiver got nothing, never the secret nor the signature.
 */
export const webhookDeliverySchema = z.object({
  /** The `webhook-id` header: the same on every attempt of one event. */
  message_id: z.string(),
  event: z.enum(WEBHOOK_EVENTS),
  attempt: z.number().int(),
  attempted_at: z.string(),
  /** The receiver's HTTP status; null when no response came (refused, timeout, network). */
  status_code: z.number().int().nullable(),
  duration_ms: z.number().int(),
  /** delivered: 2xx; failed: anything else; refused: the URL is not allowed (never sent). */
  outcome: z.enum(['delivered', 'failed', 'refused']),
  error: z.string().nullable(),
  /** Whether another attempt is scheduled. */
  will_retry: z.boolean(),
});
export type WebhookDelivery = z.infer<typeof webhookDeliverySchema>;

/** The record field holding the attempts, on job hashes and batch hashes alike. */
export const DELIVERIES_FIELD = 'webhook_deliveries';

/** How many attempts a record keeps: the most recent ones, so a bad receiver cannot grow it. */
export const MAX_RECORDED_DELIVERIES = 20;

// Appends to a JSON array field and keeps its last ARGV[3] entries, atomically, and only on a
// record that still exists (a deleted job must not be resurrected as a one-field hash).
const appendScript = luaScript(
  'webhook_append',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local list = {}
if raw then list = cjson.decode(raw) end
table.insert(list, cjson.decode(ARGV[2]))
local max = tonumber(ARGV[3])
while #list > max do table.remove(list, 1) end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(list))
return #list
`,
);

/**
 * Records an attempt on the record hash at `recordKey` (a job's or a batch's; both store each
 * field JSON-encoded, so the field reads back as an array).
 */
export async function recordDelivery(
  redis: Redis,
  recordKey: string,
  delivery: WebhookDelivery,
): Promise<void> {
  await runScript(
    redis,
    appendScript,
    [recordKey],
    [DELIVERIES_FIELD, JSON.stringify(delivery), MAX_RECORDED_DELIVERIES],
  );
}

/** The attempts recorded in a record hash's raw field (absent: none). */
export function parseDeliveries(raw: string | undefined): WebhookDelivery[] {
  if (raw === undefined) return [];
  const parsed = z.array(webhookDeliverySchema).safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : [];
}
