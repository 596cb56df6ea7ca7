import { ShapeKeeper } from '@ferrite/core';
import type {
  CallbackContext,
  Content,
  InvocationContext,
  ScopedArtifacts,
  StateView,
} from '@ferrite/core';

const agentCallbackContextShape = new ShapeKeeper<AgentCallbackContext>();

/** The {@link CallbackContext} of one model call, over the agent's invocation context. */
export class AgentCallbackContext implements CallbackContext {
  /** The whole invocation context. */
  readonly invocationContext: InvocationContext;

  constructor(context: InvocationContext) {
    this.invocationContext = context;
    agentCallbackContextShape.keep(this);
  }

  /** Name of the agent whose model is called. */
  get agentName(): string {
    return this.invocationContext.agent.name;
  }
  /** Id of the invocation. */
  get invocationId(): string {
    return this.invocationContext.invocationId;
  }
  /** The user's message that started the invocation. */
  get userContent(): Content {
    return this.invocationContext.userContent;
  }
  /** The agent's branch, when it runs in one. */
  get branch(): string | undefined {
    return this.invocationContext.branch;
  }
  /** Session state; writes are stored with the agent's next event. */
  get state(): StateView {
    return this.invocationContext.state;
  }
  /** The session's artifacts; saves are recorded in the agent's next event. */
  get artifacts(): ScopedArtifacts | undefined {
    return this.invocationContext.artifacts;
  }
}
