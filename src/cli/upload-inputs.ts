import type { ApiClient } from './api-client.ts';
import { CliError, EXIT } from './cli-errors.ts';
import { forEachLimit } from './concurrency.ts';
import { fileSha256 } from './file-hash.ts';
import { contentTypeOf } from './manifest/input-ref.ts';
import type { PreparedItem } from './manifest/prepare-items.ts';

/** Uploads in flight at once: enough to hide latency, few enough not to crowd the intake. */
const UPLOAD_CONCURRENCY = 4;

/**
 * Uploads the items' local input files and points each item at its upload. Each distinct file
 * is uploaded once per run, whatever number of items use it, and files with the same bytes
 * (same sha256) share one upload too. Returns how many uploads were made.
 */
export async function uploadInputs(
  client: ApiClient,
  items: readonly PreparedItem[],
  onUploaded: (path: string, bytes: number) => void,
): Promise<number> {
  const paths = [...new Set(items.flatMap((item) => (item.localInput ? [item.localInput] : [])))];
  const digests = new Map<string, string>();
  await forEachLimit(paths, UPLOAD_CONCURRENCY, async (path) => {
    const digest = await fileSha256(path);
    if (digest === null) throw new CliError(`Input file disappeared: ${path}`, EXIT.usage);
    digests.set(path, digest);
  });

  const byDigest = new Map<string, string>();
  const firstPathOf = new Map<string, string>();
  for (const path of paths) {
    const digest = digests.get(path) as string;
    if (!firstPathOf.has(digest)) firstPathOf.set(digest, path);
  }
  await forEachLimit([...firstPathOf], UPLOAD_CONCURRENCY, async ([digest, path]) => {
    const upload = await client.upload(path, contentTypeOf(path));
    if (upload.sha256 !== digest) {
      throw new CliError(`${path} changed while it was uploaded; run again.`, EXIT.usage);
    }
    byDigest.set(digest, upload.id);
    onUploaded(path, upload.bytes);
  });

  for (const item of items) {
    if (!item.localInput) continue;
    const uploadId = byDigest.get(digests.get(item.localInput) as string) as string;
    item.item.input = { upload_id: uploadId };
  }
  return firstPathOf.size;
}
