import { FerriteError, InternalError } from '@ferrite/core';

/** What the Qdrant client's errors carry (`ApiError` of its fetch layer, its own errors). */
interface QdrantErrorShape {
  status?: unknown;
  data?: { status?: { error?: unknown } };
  code?: unknown;
  cause?: { code?: unknown };
}

/** The HTTP status of a Qdrant client error, when the server answered. */
export function qdrantStatusOf(error: unknown): number | undefined {
  const status = (error as QdrantErrorShape | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Wraps a Qdrant failure as an {@link InternalError} naming the operation, the collection, the
 * HTTP status and Qdrant's own error text (which never holds the API key); the original error
 * stays in `cause`.
 */
export function qdrantError(operation: string, collection: string, error: unknown): FerriteError {
  if (FerriteError.isInstance(error)) return error;
  const shape = (error ?? {}) as QdrantErrorShape;
  const status = qdrantStatusOf(error);
  const serverText = shape.data?.status?.error;
  const code =
    typeof shape.cause?.code === 'string'
      ? shape.cause.code
      : typeof shape.code === 'string'
        ? shape.code
        : undefined;
  const details = [
    status === undefined ? undefined : `HTTP ${status}`,
    typeof serverText === 'string' ? serverText : undefined,
    code,
    status === undefined && code === undefined && error instanceof Error ? error.name : undefined,
  ].filter((part): part is string => part !== undefined);
  const detail = details.length > 0 ? ` (${details.join(': ')})` : '';
  return new InternalError(`Qdrant ${operation} on collection "${collection}" failed${detail}`, {
    cause: error,
  });
}
