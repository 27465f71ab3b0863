import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { pipeline, type Readable } from 'node:stream';
import { MeasureStream, type Measurement } from './measure-stream.ts';

/** 8 MiB parts: above S3's 5 MiB minimum, and four in flight bound memory to ~40 MiB. */
export const PART_SIZE_BYTES = 8 * 1024 * 1024;
/** Parts uploaded in parallel per write. */
export const UPLOAD_QUEUE_SIZE = 4;

/** Destination and limits of one {@link uploadStream} call. */
export interface StreamUploadOptions {
  client: S3Client;
  bucket: string;
  key: string;
  contentType?: string;
  signal?: AbortSignal;
  maxBytes?: number;
}

/**
 * Streams `source` to S3 through a {@link MeasureStream}: a single PUT up to one part, a
 * multipart upload beyond. The object exists only once the upload completed.
 *
 * Abort, a too-large body and a failing source all end the same way: the measure stream is
 * destroyed, lib-storage's part reader fails, it waits for the parts in flight and sends
 * AbortMultipartUpload (`leavePartsOnError: false`), and only then does this reject. We do
 * not call `upload.abort()`: it rejects `done()` at once while parts (or even the
 * CompleteMultipartUpload) are still in flight, so the caller could see the failure before
 * the pending upload is gone, or see a failure for an object that then appears.
 *
 * Consequence: an abort arriving after the whole body was read may not stop the write.
 *
 * @throws the abort reason, PayloadTooLargeError, the source's error, or the S3 error
 */
export async function uploadStream(
  source: Readable,
  options: StreamUploadOptions,
): Promise<Measurement> {
  const { signal } = options;
  const measure = new MeasureStream({ maxBytes: options.maxBytes });
  let streamError: Error | undefined;
  measure.on('error', (error) => {
    streamError ??= error;
  });
  // Errors surface through `measure`; pipeline only wires destruction both ways.
  pipeline(source, measure, () => {});
  const onAbort = (): void => {
    measure.destroy(Object.assign(new Error('Upload aborted.'), { name: 'AbortError' }));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const upload = new Upload({
    client: options.client,
    params: {
      Bucket: options.bucket,
      Key: options.key,
      Body: measure,
      ContentType: options.contentType,
    },
    partSize: PART_SIZE_BYTES,
    queueSize: UPLOAD_QUEUE_SIZE,
    leavePartsOnError: false,
  });
  try {
    await upload.done();
    return measure.result();
  } catch (error) {
    // S3 failed while the body was still flowing: stop reading it.
    measure.destroy();
    signal?.throwIfAborted();
    throw streamError ?? error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
