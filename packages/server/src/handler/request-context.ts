import type { FerriteError } from '@ferrite/core';
import type { RunTracker } from '../sse/run-tracker.js';
import type { RouteParams } from './router.js';
import type { ServedRunner } from './served-runner.js';

/** Everything a route action sees. */
export interface RequestContext {
  readonly request: Request;
  readonly url: URL;
  readonly params: RouteParams;
  /** The user id fixed by `authorize`, which overrides the one the request names. */
  readonly authorizedUserId: string | undefined;
  readonly settings: HandlerSettings;
  /** Reads the JSON body within the size limit. */
  body(): Promise<unknown>;
  /** The runner of an app, or a 404. */
  runner(appName: unknown): ServedRunner;
}

/** Resolved handler options shared by every route. */
export interface HandlerSettings {
  readonly apps: ReadonlyMap<string, ServedRunner>;
  readonly bodyLimit: number;
  readonly pingIntervalMs: number;
  readonly sseHighWaterMark: number;
  readonly tracker: RunTracker;
  readonly onError: (error: FerriteError, request: Request) => void;
}
