import { pipeline, type Readable } from 'node:stream';
import { describeOutputFormat } from '../../shared/jobs/output-formats.ts';
import type { StoredOutput } from '../../shared/jobs/job-record.ts';
import type { ObjectStorage } from '../../shared/storage/object-storage.ts';
import { expectLength } from '../upstream/expect-length.ts';
import { probeDurationMs } from './probe-duration.ts';

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

/**
 * Streams an upstream audio body to its final key (hashed and counted on the way, checked
 * against Content-Length before the write completes), then probes its duration.
 */
export async function writeAudioOutput(
  target: OutputTarget,
  audio: { name: string; format: string; body: Readable; contentLength: number | null },
): Promise<StoredOutput> {
  const { contentType, extension } = describeOutputFormat(audio.format);
  const key = outputKey(target.outputFolder, audio.name, extension);
  // pipeline, not pipe: a reset mid-body must fail the write, not leave it waiting.
  const checked = pipeline(audio.body, expectLength(audio.contentLength), () => {});
  const stored = await target.storage.put(key, checked, {
    contentType,
    signal: target.signal,
  });
  const durationMs = await probeDurationMs(
    audio.format,
    stored.bytes,
    () => target.storage.get(key, { signal: target.signal }),
    contentType,
  );
  return {
    name: audio.name,
    key,
    content_type: contentType,
    bytes: stored.bytes,
    sha256: stored.sha256,
    duration_ms: durationMs,
  };
}
