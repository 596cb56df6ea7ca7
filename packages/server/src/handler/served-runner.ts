import type {
  Agent,
  ArtifactService,
  Content,
  Event,
  RunConfig,
  SessionService,
} from '@ferrite/core';
import type { Observable } from 'rxjs';

/**
 * What the handler needs of a Runner (the `Runner` of `@ferrite/runner` fits): its app name,
 * its services, `run` and `interrupt`.
 */
export interface ServedRunner {
  /** The app the runner serves; the handler routes `/apps/{app}` by it. */
  readonly appName: string;
  /** The root agent, drawn by the Dev UI's graph routes (501 without it). */
  readonly agent?: Agent;
  /** Sessions, read and written by the session routes. */
  readonly sessionService: SessionService;
  /** Artifacts, read by the artifact routes (which answer empty without one). */
  readonly artifactService?: ArtifactService | undefined;
  /** When `autoCreateSession` is false, runs on a missing session are refused with a 404 up front. */
  readonly runConfig?: { readonly autoCreateSession?: boolean };
  /** Starts a run when subscribed (SPEC §7). */
  run(
    userId: string,
    sessionId: string,
    newMessage: Content,
    options?: {
      stateDelta?: Record<string, unknown>;
      runConfig?: RunConfig;
      /** The request's trace context (W3C `traceparent`…), continued by the run's spans. */
      traceContext?: Record<string, string>;
      /** The id the server chose for the invocation, so a client can attach to it. */
      invocationId?: string;
      /** Given only to a runner with `attach`: unsubscribing then leaves the run going. */
      detached?: boolean;
    },
  ): Observable<Event>;
  /**
   * A live or recently finished run of the session by its invocation id, from the start or after
   * the stored event `after`, on any node (a `QueuedRunner`'s). Without it, the handler attaches
   * to the runs it serves itself.
   */
  attach?(
    userId: string,
    sessionId: string,
    invocationId: string,
    options?: { after?: string },
  ): Observable<Event>;
  /** Cancels the session's running invocation (on any node with a shared lock); false when none runs. */
  interrupt(userId: string, sessionId: string): boolean | Promise<boolean>;
}
