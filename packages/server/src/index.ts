export {
  createHandler,
  type HandlerOptions,
  type FerriteHandler,
  type AuthorizeResult,
  type AuthorizeTarget,
} from './handler/create-handler.js';
export type { ServedRunner } from './handler/served-runner.js';
export type { RunsOptions } from './runs/runs-options.js';
export { INVOCATION_ID_HEADER } from './routes/run-routes.js';
export type { ReadinessOptions, ReadinessCheck } from './handler/readiness.js';
export {
  HttpError,
  type HttpErrorOptions,
  type HttpErrorCode,
  type HttpErrorStatus,
} from './http/http-error.js';
export type { CorsOptions } from './http/cors.js';
export {
  toNodeListener,
  type FetchHandler,
  type NodeListenerOptions,
} from './node/to-node-listener.js';
export { serve, type ServeOptions, type RunningServer } from './node/serve.js';
export {
  SpanStore,
  type SpanStoreConfig,
  type FinishedSpan,
  type DevSpan,
} from './dev/span-store.js';
export { DEV_UI_PATH, type DevUiOptions } from './dev/dev-ui-files.js';
export { findDevUi, DEV_UI_INSTALL_HINT, type FindDevUiOptions } from './dev/find-dev-ui.js';
