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

export class UploadStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** The record, and its entry in the age index retention reads. */
  async create(record: UploadRecord): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.upload(record.id), JSON.stringify(record))
      .zadd(this.keys.uploadsByAge, Date.parse(record.created_at), record.id)
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
