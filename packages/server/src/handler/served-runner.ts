import type { ArtifactService, Content, Event, RunConfig, SessionService } from '@ferrite/core';
import type { Observable } from 'rxjs';

/**
 * What the handler needs of a Runner (the `Runner` of `@ferrite/runner` fits): its app name,
 * its services, `run` and `interrupt`.
 */
export interface ServedRunner {
  readonly appName: string;
  readonly sessionService: SessionService;
  readonly artifactService?: ArtifactService | undefined;
  /** When `autoCreateSession` is false, runs on a missing session are refused with a 404 up front. */
  readonly runConfig?: { readonly autoCreateSession?: boolean };
  run(
    userId: string,
    sessionId: string,
    newMessage: Content,
    options?: { stateDelta?: Record<string, unknown>; runConfig?: RunConfig },
  ): Observable<Event>;
  interrupt(userId: string, sessionId: string): boolean;
}
