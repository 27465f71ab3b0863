import { pipeline, type Readable } from 'node:stream';
import { describeOutputFormat } from '../../shared/jobs/output-formats.ts';
import type { StoredOutput } from '../../shared/jobs/job-record.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';
import { expectLength } from '../upstream/expect-length.ts';
import { DurationTap } from './duration-tap.ts';

export interface OutputTarget {
  /** The writing run's own folder (`jobs/{job_id}/runs/{run_id}/`): no other run writes there. */
  outputFolder: string;
  storage: ObjectStorage;
  signal: AbortSignal;
}

/** Storage key of an output in a run's folder: `{folder}{name}.{ext}`. */
export function outputKey(folder: string, name: string, extension: string): string {
  return `${folder}${name}.${extension}`;
}

/** Stores one of a run's outputs under `key` in its folder: durable once it returns. */
export async function putOutput(
  target: OutputTarget,
  output: { name: string; key: string; contentType: string; body: Readable | Buffer | string },
): Promise<StoredOutput> {
  const stored = await target.storage.put(output.key, output.body, {
    contentType: output.contentType,
    signal: target.signal,
  });
  return {
    name: output.name,
    key: output.key,
    content_type: output.contentType,
    bytes: stored.bytes,
    sha256: stored.sha256,
    duration_ms: null,
  };
}

/**
 * Streams an upstream audio body to its final key (hashed, counted and parsed for its duration
 * on the way, checked against Content-Length before the write completes).
 */
export async function writeAudioOutput(
  target: OutputTarget,
  audio: { name: string; format: string; body: Readable; contentLength: number | null },
): Promise<StoredOutput> {
  const { contentType, extension } = describeOutputFormat(audio.format);
  const tap = new DurationTap(audio.format, contentType, audio.contentLength);
  // pipeline, not pipe: a reset mid-body must fail the write, not leave it waiting.
  const checked = pipeline(audio.body, expectLength(audio.contentLength), tap, () => {});
  const output = await putOutput(target, {
    name: audio.name,
    key: outputKey(target.outputFolder, audio.name, extension),
    contentType,
    body: checked,
  });
  return { ...output, duration_ms: await tap.durationMs() };
}
