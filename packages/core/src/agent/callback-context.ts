import type { Content } from '../types/content.js';
import type { InvocationContext, ScopedArtifacts, StateView } from './invocation-context.js';

/**
 * What a model callback (an agent's or a plugin's) sees: the agent's state and artifacts, whose
 * writes land in the agent's next stored event, and the invocation it runs in.
 */
export interface CallbackContext {
  /** Name of the agent whose model is called. */
  readonly agentName: string;
  readonly invocationId: string;
  /** The user's message that started the invocation. */
  readonly userContent: Content;
  /** Branch of the agent, when it runs in one. */
  readonly branch: string | undefined;
  /** Session state; writes are stored with the agent's next event. */
  readonly state: StateView;
  /** The session's artifacts; saves are recorded in the agent's next event. */
  readonly artifacts: ScopedArtifacts | undefined;
  /** The whole invocation context, for anything else. */
  readonly invocationContext: InvocationContext;
}
