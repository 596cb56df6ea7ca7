import { FerriteError, type FerriteErrorClass, type FerriteErrorOptions } from '@ferrite/core';

/** Options of an {@link HttpError}. */
export interface HttpErrorOptions extends FerriteErrorOptions {
  /** HTTP status of the answer. */
  status: number;
  /** Error code in the JSON body (default derived from the status). */
  code?: string;
}

const CODES: Record<number, string> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'route.not_found',
  405: 'method_not_allowed',
  413: 'request.too_large',
  503: 'unavailable',
};

/**
 * A failure that belongs to the HTTP layer rather than to a service (a rejected authorization,
 * an unknown route, a body over the limit); it carries its own status.
 *
 * @example
 * ```ts
 * createHandler({ apps: runner, authorize: (request) => {
 *   if (!request.headers.get('authorization')) throw new HttpError('missing token', { status: 401 });
 * } });
 * ```
 */
export class HttpError extends FerriteError {
  /** HTTP status of the answer. */
  readonly status: number;
  constructor(message: string, options: HttpErrorOptions) {
    super(message, { ...options, code: options.code ?? CODES[options.status] ?? 'http.error' });
    this.status = options.status;
  }

  /** True for an HttpError, even one created by another copy of this package. */
  static override isInstance<T extends FerriteErrorClass>(
    this: T,
    error: unknown,
  ): error is InstanceType<T> {
    return (
      FerriteError.isInstance(error) &&
      error.name === 'HttpError' &&
      typeof (error as { status?: unknown }).status === 'number'
    );
  }
}
