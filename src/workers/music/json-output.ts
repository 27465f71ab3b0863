import type { Readable } from 'node:stream';
import type { StoredOutput } from '../../shared/jobs/job-record.ts';
import { outputKey, putOutput, type OutputTarget } from '../outputs/write-output.ts';
import { toNetworkError } from '../upstream/upstream-client.ts';
import { UpstreamError } from '../upstream/upstream-error.ts';

/** An upstream success whose body is not what it should be: another attempt may get a good one. */
export function corruptBody(upstreamCode: string, message: string): UpstreamError {
  return new UpstreamError({ kind: 'retryable', status: null, upstreamCode, message });
}

/** Stores `json` (already serialized) as `jobs/{id}/{name}.json`. */
export async function writeJsonOutput(
  target: OutputTarget,
  name: string,
  json: string,
): Promise<StoredOutput> {
  return putOutput(target, {
    name,
    key: outputKey(target.outputFolder, name, 'json'),
    contentType: 'application/json',
    body: json,
  });
}

/**
 * A small JSON response body as text, read whole (it is a plan, not audio). Network failures
 * mid-body become retryable UpstreamErrors; a body over `maxBytes` is corrupt.
 */
export async function readJsonText(
  body: Readable,
  maxBytes: number,
  signal: AbortSignal,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        body.destroy();
        throw corruptBody('oversized_body', `upstream JSON body exceeds ${maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    throw toNetworkError(error, signal);
  }
  return Buffer.concat(chunks).toString('utf8');
}
