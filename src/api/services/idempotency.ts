import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from '../../shared/redis/connections.ts';
import { z } from 'zod';
import { ConflictError } from '../../shared/errors.ts';
import type { RedisKeys } from '../../shared/redis/keys.ts';
import { luaScript, runScript } from '../../shared/redis/lua-scripts.ts';

/** The routes an Idempotency-Key applies to; each has its own key space per API key. */
export type IdempotencyScope = 'jobs' | 'batches';

/** One idempotent request: who sent it, where, under which key, with which body. */
export interface IdempotentRequest {
  owner: string;
  scope: IdempotencyScope;
  /** The client's `Idempotency-Key` header. */
  key: string;
  /** A digest of the request as accepted (see {@link requestDigest}). */
  digest: string;
}

/** The resource an idempotent request created (a job, a batch), and whether this is a replay. */
export interface IdempotentOutcome<T> {
  resource: T;
  replayed: boolean;
}

const entrySchema = z.discriminatedUnion('state', [
  // A request holding the key is creating the resource; others wait for it.
  z.object({ state: z.literal('pending'), digest: z.string(), token: z.string() }),
  z.object({ state: z.literal('done'), digest: z.string(), resource_id: z.string() }),
]);
type Entry = z.infer<typeof entrySchema>;

export interface IdempotencyOptions {
  /** How long a created resource is remembered under its key, seconds (≥ 24 h by config). */
  ttlSeconds: number;
  /** How long a key stays claimed by a request that is still creating (or died doing so), ms. */
  pendingMs?: number;
  /** How long a duplicate waits for the first request to finish before giving up (409), ms. */
  waitMs?: number;
}

// Deletes the claim only if it is still ours (a slow creator's claim may have expired).
const releaseScript = luaScript(
  'idempotency_release',
  `
local raw = redis.call('GET', KEYS[1])
if raw and cjson.decode(raw).token == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`,
);

/**
 * `Idempotency-Key` for resource-creating routes (`POST /v1/jobs`, later `POST /v1/batches`):
 * the first request with a key claims it in Redis (SET NX) and creates the resource; the key
 * then maps to that resource for `ttlSeconds`. A request with the same key and the same body
 * gets the original resource back, whether it arrives later or concurrently (it waits for the
 * first to finish); the same key with another body is a 409. Only creations are remembered: a
 * request that was refused (422, 503) frees its key, so the client can fix it and send it again.
 */
export class IdempotencyStore {
  readonly #pendingMs: number;
  readonly #waitMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly options: IdempotencyOptions,
  ) {
    this.#pendingMs = options.pendingMs ?? 60_000;
    this.#waitMs = options.waitMs ?? 15_000;
  }

  /**
   * Runs `create` once per key: the resource it returns, or the one an earlier request with the
   * same key and body created (`load` reads it back by id).
   */
  async once<T extends { id: string }>(
    request: IdempotentRequest,
    create: () => Promise<T>,
    load: (id: string) => Promise<T>,
  ): Promise<IdempotentOutcome<T>> {
    const redisKey = this.keys.idempotency(request.owner, request.scope, sha256(request.key));
    const deadline = Date.now() + this.#waitMs;
    for (let round = 0; ; round++) {
      const token = randomUUID();
      const claim: Entry = { state: 'pending', digest: request.digest, token };
      const claimed = await this.redis.set(
        redisKey,
        JSON.stringify(claim),
        'PX',
        this.#pendingMs,
        'NX',
      );
      if (claimed === 'OK')
        return { resource: await this.#create(redisKey, token, request, create), replayed: false };

      const entry = await this.#read(redisKey);
      if (entry && entry.digest !== request.digest) {
        throw new ConflictError(
          'This Idempotency-Key was already used with a different request body.',
          'idempotency_key_reused',
        );
      }
      if (entry?.state === 'done')
        return { resource: await load(entry.resource_id), replayed: true };
      if (Date.now() >= deadline) {
        throw new ConflictError(
          'A request with this Idempotency-Key is still being processed; retry shortly.',
          'idempotency_key_in_use',
        );
      }
      // Pending (or just freed): the first request is still creating. Poll, gently.
      await sleep(Math.min(200, 10 * 2 ** Math.min(round, 5)));
    }
  }

  async #create<T extends { id: string }>(
    redisKey: string,
    token: string,
    request: IdempotentRequest,
    create: () => Promise<T>,
  ): Promise<T> {
    let resource: T;
    try {
      resource = await create();
    } catch (error) {
      await runScript(this.redis, releaseScript, [redisKey], [token]).catch(() => undefined);
      throw error;
    }
    const done: Entry = { state: 'done', digest: request.digest, resource_id: resource.id };
    // The resource names its key too: deleting the resource forgets the key with it.
    await this.redis
      .multi()
      .set(redisKey, JSON.stringify(done), 'EX', this.options.ttlSeconds)
      .set(this.keys.idempotencyOf(resource.id), redisKey, 'EX', this.options.ttlSeconds)
      .exec();
    return resource;
  }

  async #read(redisKey: string): Promise<Entry | null> {
    const raw = await this.redis.get(redisKey);
    if (raw === null) return null;
    const parsed = entrySchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }
}

/**
 * The digest that decides "same request": the accepted body in canonical JSON (keys sorted, so
 * field order does not matter), with parts that differ between identical submissions (the id
 * of a one-shot form's freshly stored audio) replaced by what identifies them (its sha256).
 */
export function requestDigest(body: unknown): string {
  return sha256(canonicalJson(body));
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
