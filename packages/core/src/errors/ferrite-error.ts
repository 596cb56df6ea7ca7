import type { FerriteErrorCode } from './error-codes.js';

const marker: unique symbol = Symbol.for('@ferrite/core.error');

/** Any class of the Ferrite error family, whatever its constructor takes. */
export type FerriteErrorClass = (abstract new (...args: never[]) => FerriteError) & {
  readonly code: FerriteErrorCode;
  readonly codes?: readonly FerriteErrorCode[] | undefined;
};

/** Options accepted by every {@link FerriteError} constructor. */
export interface FerriteErrorOptions {
  /** The underlying error, kept as `cause`. */
  cause?: unknown;
}

/**
 * Base class of every error Ferrite raises; `code` says which kind it is.
 *
 * @example
 * ```ts
 * try {
 *   await sessions.createSession({ appName: 'shop', userId: 'ana', sessionId: 'cart' });
 * } catch (error) {
 *   if (SessionExistsError.isInstance(error)) console.log('already there');
 *   else if (FerriteError.isInstance(error)) console.error(error.code, error.message);
 *   else throw error;
 * }
 * ```
 */
export class FerriteError extends Error {
  /** The code every instance of this class carries (its first code when it has several). */
  static readonly code: FerriteErrorCode = 'internal';
  /**
   * The codes whose errors are instances of this class, for a class that stands for several
   * (the HTTP layer's `HttpError`); absent, it is just {@link FerriteError.code}.
   */
  static readonly codes: readonly FerriteErrorCode[] | undefined = undefined;
  private readonly [marker] = true;
  /** Stable, machine-readable error code (see SPEC §2). */
  readonly code: FerriteErrorCode;

  constructor(message: string, options: FerriteErrorOptions & { code?: FerriteErrorCode } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? new.target.code;
    this.name = new.target.name;
  }

  /**
   * The one identity rule of the family: `error` carries the family's `Symbol.for` marker (so
   * an error made by another copy of this package counts) and a code of this class.
   * `FerriteError.isInstance` matches every Ferrite error. Use it instead of `instanceof`,
   * which fails across package copies.
   */
  static isInstance<T extends FerriteErrorClass>(
    this: T,
    error: unknown,
  ): error is InstanceType<T> {
    if (typeof error !== 'object' || error === null || !(marker in error)) return false;
    if ((this as unknown) === FerriteError) return true;
    const code = (error as { code?: unknown }).code;
    const codes: readonly unknown[] = this.codes ?? [this.code];
    return codes.includes(code);
  }
}
