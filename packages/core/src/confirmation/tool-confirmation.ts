/**
 * Name of the function call that asks the person for a confirmation, and of the function
 * response that answers it (Google ADK's `REQUEST_CONFIRMATION_FUNCTION_CALL_NAME`).
 */
export const REQUEST_CONFIRMATION_FUNCTION_CALL_NAME = 'adk_request_confirmation';

/** What the model is told when the person refused a call that required confirmation. */
export const REJECTED_CALL_RESPONSE: Readonly<Record<string, unknown>> = Object.freeze({
  error: 'This tool call was rejected.',
});

/** A confirmation asked for (`confirmed: false`) or given: ADK's `ToolConfirmation`. */
export interface ToolConfirmation {
  /** Tells the person what is being confirmed. */
  hint?: string;
  /** The person's decision; false while the request is pending. */
  confirmed: boolean;
  /** Structured data the tool offers to, or gets back from, the person. */
  payload?: unknown;
}

/** What a tool passes to `context.requestConfirmation`. */
export interface ConfirmationRequest {
  /** Tells the person what is being confirmed. */
  hint?: string;
  /** Structured data the person may edit; the edited value comes back in `toolConfirmation.payload`. */
  payload?: unknown;
}

/**
 * Whether a call of a tool needs the person's confirmation before it runs: always, never, or
 * decided from its (checked) arguments and context.
 */
export type RequireConfirmation<TContext> =
  boolean | ((args: Record<string, unknown>, context: TContext) => boolean | Promise<boolean>);
