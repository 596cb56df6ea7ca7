import type { FerriteError } from '@ferrite/core';
import type { SpanStore } from '../dev/span-store.js';
import type { RunTracker } from '../sse/run-tracker.js';
import type { ReadinessSettings } from './readiness.js';
import type { RunsSettings } from '../runs/runs-options.js';
import type { RouteParams } from './router.js';
import type { ServedRunner } from './served-runner.js';

/** Everything a route action sees. */
export interface RequestContext {
  /** The request being answered. */
  readonly request: Request;
  /** Its parsed URL. */
  readonly url: URL;
  /** Decoded path parameters of the matched route. */
  readonly params: RouteParams;
  /** The user id fixed by `authorize`, which overrides the one the request names. */
  readonly authorizedUserId: string | undefined;
  /**
   * The user the request acts as, given the one it names (path or body): the authorized user
   * when `authorize` fixed one (a request naming another is 403 `user.forbidden` under
   * `otherUser: 'forbid'`), else the named one, validated.
   */
  userId(named: unknown): string;
  /** The handler's resolved options. */
  readonly settings: HandlerSettings;
  /** Reads the JSON body within the size limit. */
  body(): Promise<unknown>;
  /** The runner of an app, or a 404. */
  runner(appName: unknown): ServedRunner;
}

/** Resolved handler options shared by every route. */
export interface HandlerSettings {
  /** Runners by app name. */
  readonly apps: ReadonlyMap<string, ServedRunner>;
  /** Largest accepted request body in bytes. */
  readonly bodyLimit: number;
  /** Interval of `: ping` comments on idle event streams. */
  readonly pingIntervalMs: number;
  /** Bytes queued for a slow SSE client before its partial events are dropped. */
  readonly sseHighWaterMark: number;
  /** The runs being served, for shutdown. */
  readonly tracker: RunTracker;
  /** The spans the trace routes answer from (they answer none without). */
  readonly spanStore: SpanStore | undefined;
  /** The backend checks of `GET /ready`. */
  readonly readiness: ReadinessSettings;
  /** What a client leaving does to its run (`runs.onDisconnect`). */
  readonly runs: RunsSettings['runs'];
  /** The runs this handler serves in-process, for attaching and detached runs. */
  readonly liveRuns: RunsSettings['liveRuns'];
  /** Told of every 5xx failure. */
  readonly onError: (error: FerriteError, request: Request) => void;
}
