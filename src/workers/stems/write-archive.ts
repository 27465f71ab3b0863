import { pipeline, type Readable } from 'node:stream';
import type { StoredOutput } from '../../shared/jobs/job-record.ts';
import { outputKey, putOutput, type OutputTarget } from '../outputs/write-output.ts';
import { expectLength } from '../upstream/expect-length.ts';

/** The archive as the upstream sent it: output `stems.zip`. */
export const ARCHIVE_OUTPUT_NAME = 'stems.zip';
const ARCHIVE_CONTENT_TYPE = 'application/zip';

/**
 * Streams the upstream's ZIP body, byte for byte, to `jobs/{id}/stems.zip` (hashed and counted
 * on the way; a body short of its Content-Length fails the write, as for audio).
 */
export async function writeArchiveOutput(
  target: OutputTarget,
  response: { body: Readable; contentLength: number | null },
): Promise<StoredOutput> {
  const checked = pipeline(response.body, expectLength(response.contentLength), () => {});
  return putOutput(target, {
    name: ARCHIVE_OUTPUT_NAME,
    // The key is `stems.zip`: the output name already carries its extension.
    key: outputKey(target.outputFolder, 'stems', 'zip'),
    contentType: ARCHIVE_CONTENT_TYPE,
    body: checked,
  });
}
