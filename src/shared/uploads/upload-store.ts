import type { Redis } from '../redis/connections.ts';
import { z } from 'zod';
import type { RedisKeys } from '../redis/keys.ts';

/** An upload's record: who owns it and what was stored. The bytes live in object storage. */
export const uploadRecordSchema = z.object({
  id: z.string(),
  owner: z.string(),
  key: z.string(),
  bytes: z.number().int(),
  sha256: z.string(),
  content_type: z.string(),
  created_at: z.string(),
});
export type UploadRecord = z.infer<typeof uploadRecordSchema>;

/** A page of an owner's uploads, newest first. */
export interface ListUploadsQuery {
  owner: string;
  /** Only uploads of these bytes (lowercase hex). */
  sha256?: string | undefined;
  limit: number;
  /** The last id of the previous page. */
  cursor?: string | undefined;
}

export interface UploadPage {
  records: UploadRecord[];
  nextCursor: string | null;
}

/**
 * Upload records in Redis: one JSON string per upload, and three indexes written with it and
 * removed with it (deleteUpload): by age (retention), by owner, by owner and sha256 (listing,
 * dedup). The owner indexes hold ids with score 0, so they sort as the ULIDs do: by creation.
 */
export class UploadStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** The record and its index entries, in one transaction. */
  async create(record: UploadRecord): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.upload(record.id), JSON.stringify(record))
      .zadd(this.keys.uploadsByAge, Date.parse(record.created_at), record.id)
      .zadd(this.keys.ownerUploads(record.owner), 0, record.id)
      .zadd(this.keys.ownerUploadsBySha256(record.owner, record.sha256), 0, record.id)
      .exec();
  }

  async get(id: string): Promise<UploadRecord | null> {
    const raw = await this.redis.get(this.keys.upload(id));
    return raw === null ? null : uploadRecordSchema.parse(JSON.parse(raw));
  }

  /** The upload when it exists and belongs to `owner`; null otherwise. */
  async getOwned(id: string, owner: string): Promise<UploadRecord | null> {
    const record = await this.get(id);
    return record?.owner === owner ? record : null;
  }

  /** A page of the owner's uploads (of one sha256, if given), newest first. */
  async list(query: ListUploadsQuery): Promise<UploadPage> {
    const index = query.sha256
      ? this.keys.ownerUploadsBySha256(query.owner, query.sha256)
      : this.keys.ownerUploads(query.owner);
    const upper = query.cursor ? `(${query.cursor}` : '+';
    // One more than asked: whether a next page exists is known without another round trip.
    const ids = await this.redis.zrevrangebylex(index, upper, '-', 'LIMIT', 0, query.limit + 1);
    const pageIds = ids.slice(0, query.limit);
    const raws = pageIds.length
      ? await this.redis.mget(pageIds.map((id) => this.keys.upload(id)))
      : [];
    // A record deleted between the two reads is left out of the page.
    const records = raws.flatMap((raw) =>
      raw === null ? [] : [uploadRecordSchema.parse(JSON.parse(raw))],
    );
    return { records, nextCursor: ids.length > query.limit ? (pageIds.at(-1) ?? null) : null };
  }
}

/** The upload id a job input's storage key names (`uploads/{id}`), or null (a URL input). */
export function uploadIdOfKey(key: string | null | undefined): string | null {
  return key?.startsWith(UPLOADS_FOLDER) ? key.slice(UPLOADS_FOLDER.length) : null;
}

/** Where uploads are stored: `uploads/{id}`. */
export const UPLOADS_FOLDER = 'uploads/';

export function uploadKey(id: string): string {
  return `${UPLOADS_FOLDER}${id}`;
}
