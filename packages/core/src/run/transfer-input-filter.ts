import type { Content } from '../types/content.js';

/** What a {@link TransferInputFilter} receives. */
export interface TransferInputData {
  /** The agent that transferred. */
  fromAgent: string;
  /** The agent that was transferred to and is about to call its model. */
  toAgent: string;
  /**
   * The conversation the agent would send its model, oldest first, as it builds it from the
   * session (its own events in the `model` role, other agents' as user-role context). Frozen.
   */
  history: readonly Content[];
  /** The user's message that started this invocation. */
  userContent: Content;
}

/**
 * Shapes what an agent transferred to sees of the history: called before each of its model
 * calls for the rest of the invocation; returns the contents to send.
 */
export type TransferInputFilter = (data: TransferInputData) => readonly Content[];
