import { randomUUID } from 'node:crypto';
import {
  ToolCallError,
  type EventActions,
  type MemoryEntry,
  type StateView,
  type ToolContext,
} from '@ferrite/core';

/** Who a tool served outside an agent runs for. */
export interface DetachedCall {
  readonly appName: string;
  readonly userId: string;
  readonly callId: string;
  readonly signal: AbortSignal;
}

/**
 * The {@link ToolContext} of a tool called by an MCP client rather than by an agent: there is
 * no session, so state starts empty and writes live only for the call, there are no artifacts,
 * memory search finds nothing and the actions a tool asks for are dropped.
 */
export class DetachedToolContext implements ToolContext {
  readonly functionCallId: string;
  readonly invocationId = `mcp-${randomUUID()}`;
  readonly agentName: string;
  readonly appName: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly signal: AbortSignal;
  readonly actions: Partial<EventActions> = {};
  readonly state: StateView;

  constructor(call: DetachedCall) {
    this.functionCallId = call.callId;
    this.agentName = call.appName;
    this.appName = call.appName;
    this.userId = call.userId;
    this.sessionId = this.invocationId;
    this.signal = call.signal;
    const values = new Map<string, unknown>();
    this.state = {
      get: <TValue = unknown>(key: string) => values.get(key) as TValue | undefined,
      has: (key) => values.has(key),
      set: (key, value) => {
        values.set(key, value);
      },
      toObject: () => Object.fromEntries(values),
    };
  }

  /** An MCP client has no person to ask: asking for a confirmation fails the call. */
  requestConfirmation(): void {
    throw new ToolCallError(
      this.agentName,
      'This tool asks for a confirmation, which an MCP client cannot give',
    );
  }

  /** Nothing to search outside a session. */
  searchMemory(): Promise<MemoryEntry[]> {
    return Promise.resolve([]);
  }
}
