import { FerriteError, InternalError } from '@ferrite/core';

/** What the AWS SDK puts on the errors it throws (S3ServiceException and network errors). */
interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** HTTP status of an SDK error, when the store answered. */
export function s3StatusOf(error: unknown): number | undefined {
  const status = (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The S3 error code (`NoSuchKey`, `PreconditionFailed`, ...) of an SDK error. */
export function errorNameOf(error: unknown): string | undefined {
  const name = (error as SdkErrorShape | undefined)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** True when the store said the object does not exist. */
export function isNotFound(error: unknown): boolean {
  const name = errorNameOf(error);
  return name === 'NoSuchKey' || name === 'NotFound' || s3StatusOf(error) === 404;
}

/**
 * Wraps a store failure as an {@link InternalError}. The message names the operation, the key
 * and the store's error code only (never the store's free text, which may echo request
 * headers), so no credential can leak into logs; the original error stays in `cause`.
 */
export function storeError(
  operation: string,
  bucket: string,
  key: string,
  error: unknown,
): FerriteError {
  if (FerriteError.isInstance(error)) return error;
  const parts: string[] = [];
  const name = errorNameOf(error);
  if (name !== undefined && name !== 'Error') parts.push(name);
  const code = (error as SdkErrorShape | undefined)?.code;
  if (typeof code === 'string') parts.push(code);
  const status = s3StatusOf(error);
  if (status !== undefined) parts.push(`HTTP ${status}`);
  const detail = parts.length > 0 ? ` (${parts.join(', ')})` : '';
  return new InternalError(`S3 ${operation} of s3://${bucket}/${key} failed${detail}`, {
    cause: error,
  });
}
