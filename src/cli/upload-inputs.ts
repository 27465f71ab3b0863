import type { ApiClient } from './api-client.ts';
import { CliError, EXIT } from './cli-errors.ts';
import { forEachLimit } from './concurrency.ts';
import { fileSha256 } from './file-hash.ts';
import { plural } from './format.ts';
import { contentTypeOf } from './manifest/input-ref.ts';
import type { PreparedItem } from './manifest/prepare-items.ts';

/** Uploads in flight at once: enough to hide latency, few enough not to crowd the intake. */
const UPLOAD_CONCURRENCY = 4;

/** What happened to the distinct input files of a run. */
export interface UploadTally {
  /** Sent to the service. */
  uploaded: number;
  /** Already there (an upload of the same sha256 by this tenant): sent nothing. */
  reused: number;
}

/**
 * Points each item with a local input file at an upload of that file's bytes. Files are told
 * apart by sha256: the same bytes are uploaded once per run whatever number of items or paths
 * use them, and not at all when the service already holds an upload of them for this tenant
 * (`GET /v1/uploads?sha256=`), so running a manifest again sends no audio twice.
 */
export async function uploadInputs(
  client: ApiClient,
  items: readonly PreparedItem[],
): Promise<UploadTally> {
  const paths = [...new Set(items.flatMap((item) => (item.localInput ? [item.localInput] : [])))];
  const digests = new Map<string, string>();
  await forEachLimit(paths, UPLOAD_CONCURRENCY, async (path) => {
    const digest = await fileSha256(path);
    if (digest === null) throw new CliError(`Input file disappeared: ${path}`, EXIT.usage);
    digests.set(path, digest);
  });

  const firstPathOf = new Map<string, string>();
  for (const path of paths) {
    const digest = digests.get(path) as string;
    if (!firstPathOf.has(digest)) firstPathOf.set(digest, path);
  }
  const byDigest = new Map<string, string>();
  const tally: UploadTally = { uploaded: 0, reused: 0 };
  await forEachLimit([...firstPathOf], UPLOAD_CONCURRENCY, async ([digest, path]) => {
    const existing = await client.findUpload(digest);
    if (existing) {
      byDigest.set(digest, existing.id);
      tally.reused++;
      return;
    }
    const upload = await client.upload(path, contentTypeOf(path));
    if (upload.sha256 !== digest) {
      throw new CliError(`${path} changed while it was uploaded; run again.`, EXIT.usage);
    }
    byDigest.set(digest, upload.id);
    tally.uploaded++;
  });

  for (const item of items) {
    if (!item.localInput) continue;
    const uploadId = byDigest.get(digests.get(item.localInput) as string) as string;
    item.item.input = { upload_id: uploadId };
  }
  return tally;
}

/** `Uploaded 2 input files, reused 1 already uploaded.`; empty when there were none. */
export function describeUploads({ uploaded, reused }: UploadTally, purpose = ''): string {
  const parts = [
    ...(uploaded ? [`Uploaded ${plural(uploaded, 'input file')}${purpose}`] : []),
    ...(reused ? [`reused ${plural(reused, 'input file')} already uploaded`] : []),
  ];
  const text = parts.join(', ');
  return text ? `${text.charAt(0).toUpperCase()}${text.slice(1)}.` : '';
}
