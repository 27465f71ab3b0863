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

  async create(record: UploadRecord): Promise<void> {
    await this.redis.set(this.keys.upload(record.id), JSON.stringify(record));
  }

  /** The upload when it exists and belongs to `owner`; null otherwise. */
  async getOwned(id: string, owner: string): Promise<UploadRecord | null> {
    const raw = await this.redis.get(this.keys.upload(id));
    if (raw === null) return null;
    const record = uploadRecordSchema.parse(JSON.parse(raw));
    return record.owner === owner ? record : null;
  }
}
