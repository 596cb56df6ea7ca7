import {
  resolveRunConfig,
  userContent,
  type Agent,
  type InvocationContext,
  type RunConfig,
} from '@ferrite/core';

/** Options of {@link fakeContext}. */
export interface FakeContextOptions {
  /** The context's signal (default: one that never aborts). */
  signal?: AbortSignal;
  /** The state the agent sees (default empty). */
  state?: Record<string, unknown>;
  /** Default `s1`. */
  sessionId?: string;
  /** Default `u1`. */
  userId?: string;
  /** The run's settings (default: the defaults, no guards). */
  runConfig?: RunConfig;
}

/**
 * A minimal invocation context for driving an agent's `run` directly in tests, without a
 * runner or a session service.
 */
export function fakeContext(
  agent: Agent,
  text: string,
  options: FakeContextOptions = {},
): InvocationContext {
  const state: Record<string, unknown> = { ...options.state };
  const sessionId = options.sessionId ?? 's1';
  const userId = options.userId ?? 'u1';
  const context: InvocationContext = {
    invocationId: 'inv-1',
    agent,
    appName: 'app',
    userId,
    session: {
      id: sessionId,
      appName: 'app',
      userId,
      state,
      events: [],
      lastUpdateTime: 0,
      revision: 0,
    },
    userContent: userContent(text),
    runConfig: resolveRunConfig(options.runConfig),
    signal: options.signal ?? new AbortController().signal,
    state: {
      get: <TValue>(key: string) => state[key] as TValue | undefined,
      has: (key) => key in state,
      set: (key, value) => void (state[key] = value),
      toObject: () => ({ ...state }),
    },
    memories: [],
    countModelCall: () => undefined,
    endInvocation: () => undefined,
    ended: false,
    withAgent: () => context,
  };
  return context;
}
