import type { z } from 'zod';
import { ObjectNotFoundError } from '../errors.ts';
import type { ObjectStorage } from '../storage/object-storage.ts';

/** A small JSON object from storage, validated; null when absent or unreadable. */
export async function readJson<S extends z.ZodType>(
  storage: ObjectStorage,
  key: string,
  schema: S,
): Promise<z.infer<S> | null> {
  let stream;
  try {
    stream = await storage.get(key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return null;
    throw error;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const parsed = schema.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  return parsed.success ? parsed.data : null;
}
