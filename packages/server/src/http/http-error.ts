import {
  ERROR_STATUS,
  FerriteError,
  type FerriteErrorCode,
  type FerriteErrorOptions,
} from '@ferrite/core';

/** The codes of the HTTP layer's own failures; each has its status in core's `ERROR_STATUS`. */
const HTTP_ERROR_CODES = [
  'unauthorized',
  'forbidden',
  'user.forbidden',
  'host.not_allowed',
  'origin.not_allowed',
  'route.not_found',
  'app.not_found',
  'method_not_allowed',
  'request.too_large',
  'request.unsupported_media_type',
  'not_implemented',
  'unavailable',
] as const satisfies readonly FerriteErrorCode[];

/** A code an {@link HttpError} may carry. */
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

/** The statuses an {@link HttpError} can be made from, each with its default code. */
const CODE_OF_STATUS = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'route.not_found',
  405: 'method_not_allowed',
  413: 'request.too_large',
  415: 'request.unsupported_media_type',
  501: 'not_implemented',
  503: 'unavailable',
} as const satisfies Record<number, HttpErrorCode>;

/** A status an {@link HttpError} can be made from. */
export type HttpErrorStatus = keyof typeof CODE_OF_STATUS;

/**
 * Options of an {@link HttpError}: a status (its default code follows) or a code (its status
 * follows from core's `ERROR_STATUS`), never both, so the two cannot disagree.
 */
export type HttpErrorOptions = FerriteErrorOptions &
  ({ status: HttpErrorStatus; code?: undefined } | { code: HttpErrorCode; status?: undefined });

/**
 * A failure that belongs to the HTTP layer rather than to a service (a rejected authorization,
 * an unknown route, a body over the limit). Its status is the one core's `ERROR_STATUS` gives
 * its code, like every other Ferrite error.
 *
 * @example
 * ```ts
 * createHandler({ apps: runner, authorize: (request) => {
 *   if (!request.headers.get('authorization')) throw new HttpError('missing token', { status: 401 });
 * } });
 * ```
 */
export class HttpError extends FerriteError {
  static override readonly code: FerriteErrorCode = 'unauthorized';
  static override readonly codes: readonly FerriteErrorCode[] = HTTP_ERROR_CODES;
  override readonly code: HttpErrorCode;
  /** HTTP status of the answer. */
  readonly status: number;
  constructor(message: string, options: HttpErrorOptions) {
    const code = options.code ?? CODE_OF_STATUS[options.status];
    super(message, { ...(options.cause !== undefined ? { cause: options.cause } : {}), code });
    this.code = code;
    this.status = ERROR_STATUS[code];
  }
}
