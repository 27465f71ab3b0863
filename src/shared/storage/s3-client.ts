import { S3Client } from '@aws-sdk/client-s3';

/** How to reach an S3-compatible store; the `s3` part of `createStorage`'s options. */
export interface S3ConnectionOptions {
  /** Custom endpoint (MinIO, R2, s3rver, ...); absent for AWS itself. */
  endpoint?: string;
  /**
   * The endpoint clients reach the same store at, when it differs from `endpoint` (compose:
   * the services use `http://minio:9000`, the host `http://localhost:9000`). Presigned URLs
   * are built for it: the signature covers the host, so it cannot be rewritten afterwards.
   */
  publicEndpoint?: string;
  region: string;
  /** `http://host/bucket/key` URLs; most self-hosted stores need this. */
  forcePathStyle: boolean;
  /**
   * When the SDK adds checksums. Many S3-compatible stores need `WHEN_REQUIRED`: with
   * `WHEN_SUPPORTED` streamed uploads use aws-chunked framing, which some stores save verbatim.
   */
  checksumMode: 'WHEN_REQUIRED' | 'WHEN_SUPPORTED';
  /** Static credentials; both absent = the AWS SDK's default provider chain. */
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** Builds the one S3 client a storage instance uses. */
export function createS3Client(options: S3ConnectionOptions): S3Client {
  const { accessKeyId, secretAccessKey } = options;
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new Error('S3 credentials need both accessKeyId and secretAccessKey, or neither');
  }
  return new S3Client({
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    requestChecksumCalculation: options.checksumMode,
    responseChecksumValidation: options.checksumMode,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(accessKeyId !== undefined &&
      secretAccessKey !== undefined && { credentials: { accessKeyId, secretAccessKey } }),
  });
}
