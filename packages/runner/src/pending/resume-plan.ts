import {
  ConfirmationMismatchError,
  bindAnswers,
  requestOwner,
  type Agent,
  type Session,
} from '@ferrite/core';
import type { AgentTree } from '../runner/agent-tree.js';
import type { HaltControl } from '../invocation/halt-control.js';
import { loadSession } from '../invocation/invocation-setup.js';
import type { RunRequest, RunnerParts } from '../invocation/run-request.js';

/** How a message that answers pending requests continues the paused invocation. */
interface ResumePlan {
  /** The paused invocation's id: the resumed events carry it too. */
  invocationId: string;
  /** The agent that runs: the paused one, or the outermost workflow agent around it. */
  agent: Agent;
}

/** The session of a run and, when its message answers pending requests, how it resumes. */
export interface LoadedRun {
  session: Session;
  resume: ResumePlan | undefined;
}

/**
 * Step 1 for every run: loads the session; for a message holding function responses, binds them
 * to the session's pending requests first (a typed error otherwise, before anything is stored,
 * and a missing session is not created for it).
 */
export function loadRun(
  control: HaltControl,
  parts: RunnerParts,
  request: RunRequest,
): LoadedRun | Promise<LoadedRun> {
  const answers = request.message.parts.some((part) => part.functionResponse !== undefined);
  if (answers) return loadResumedRun(control, parts, request);
  // An ordinary message: the session, at once when the service reads it at once.
  const session = loadSession(control, parts, request);
  return session instanceof Promise
    ? session.then((loaded) => ({ session: loaded, resume: undefined }))
    : { session, resume: undefined };
}

async function loadResumedRun(
  control: HaltControl,
  parts: RunnerParts,
  request: RunRequest,
): Promise<LoadedRun> {
  const { userId, sessionId, runConfig } = request;
  const session = await control.guard(
    parts.sessionService.getSession({
      appName: parts.appName,
      userId,
      sessionId,
      ...(runConfig.historyLimit === undefined ? {} : { numRecentEvents: runConfig.historyLimit }),
    }),
  );
  if (!session) {
    throw new ConfirmationMismatchError(
      `Session '${sessionId}' of user '${userId}' does not exist, so it has no pending request to answer`,
    );
  }
  const bound = bindAnswers(session.events, request.message);
  if (!bound) return { session, resume: undefined };
  // A request made inside an agent used as a tool is waited for by the tree's agent whose call ran it.
  const author = requestOwner(session.events, bound.requests[0]!).author;
  return {
    session,
    resume: { invocationId: bound.invocationId, agent: resumingAgent(parts.tree, author) },
  };
}

/**
 * The agent a resumed invocation starts with: the paused agent itself, or, when it runs inside
 * workflow agents, the outermost of them that its parent does not route to (so the workflow
 * continues at the paused step instead of starting over).
 */
function resumingAgent(tree: AgentTree, author: string): Agent {
  let agent = tree.find(author);
  if (!agent) return tree.root;
  while (agent !== tree.root && agent.parentAgent && agent.parentAgent.acceptsTransfer === false) {
    agent = agent.parentAgent;
  }
  return agent;
}
