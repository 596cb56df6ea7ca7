const marker: unique symbol = Symbol.for('@ferrite/core.error');

/** Any class of the Ferrite error family, whatever its constructor takes. */
export type FerriteErrorClass = (abstract new (...args: never[]) => FerriteError) & {
  readonly code: string;
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
  /** The code every instance of this class carries. */
  static readonly code: string = 'internal';
  private readonly [marker] = true;
  /** Stable, machine-readable error code (see SPEC §2). */
  readonly code: string;

  constructor(message: string, options: FerriteErrorOptions & { code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? new.target.code;
    this.name = new.target.name;
  }

  /**
   * True when `error` is a Ferrite error of this class (by code), even when it was created
   * by another copy of this package. `FerriteError.isInstance` matches every Ferrite error.
   */
  static isInstance<T extends FerriteErrorClass>(
    this: T,
    error: unknown,
  ): error is InstanceType<T> {
    if (typeof error !== 'object' || error === null || !(marker in error)) return false;
    return (this as unknown) === FerriteError || (error as { code?: unknown }).code === this.code;
  }
}
