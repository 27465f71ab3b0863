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
  const parsed = schema.safeParse(parseOrUndefined(Buffer.concat(chunks).toString('utf8')));
  return parsed.success ? parsed.data : null;
}

/**
 * Stores that do not write atomically (s3rver; some S3-compatibles) can hand a reader an empty
 * or torn object while another process writes it: unreadable, like a missing one, so callers
 * that wait for the object (the deployment marker at a first start) simply read again.
 */
function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
