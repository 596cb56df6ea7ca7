/**
 * How a contract suite obtains the service under test: `create()` runs before each test and
 * `dispose()` after it. A backend whose store is shared (one database for many tests) may return
 * the same store every time, because every contract test works under its own random app name.
 */
export interface ContractFactory<TService> {
  /** Returns the service for one test. */
  create(): TService | Promise<TService>;
  /** Releases what `create()` acquired. */
  dispose?(service: TService): void | Promise<void>;
  /**
   * True when two services from `create()` work on one store, as two processes on one
   * database or bucket do; the suites then also test writers racing through both.
   */
  sharesStore?: boolean;
}
