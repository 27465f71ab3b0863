import { S3ServiceException } from '@aws-sdk/client-s3';

/**
 * True when S3 says the object is absent. HEAD responses have no body, so their 404 arrives
 * as a bare `NotFound`; a missing bucket is a configuration error, not a missing object.
 */
export function isS3NotFound(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  if (error.name === 'NoSuchKey' || error.name === 'NotFound') return true;
  return error.$metadata.httpStatusCode === 404 && error.name !== 'NoSuchBucket';
}
