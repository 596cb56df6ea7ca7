import { ConfirmationMismatchError } from '../errors/confirmation-mismatch-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { Content } from '../types/content.js';
import type { Event } from '../types/event.js';
import {
  jsonEqual,
  pendingAndAnswered,
  readConfirmationAnswer,
  type PendingConfirmation,
  type PendingRequest,
} from './pending-requests.js';
import { REQUEST_CONFIRMATION_FUNCTION_CALL_NAME } from './tool-confirmation.js';

/** The requests a message answers, all of one paused invocation. */
export interface BoundAnswers {
  /** The paused invocation the message resumes. */
  invocationId: string;
  /** The answered requests, in the message's order. */
  requests: PendingRequest[];
}

/**
 * Refuses a user message that holds a function call: calls are the model's (and the
 * framework's: `adk_request_confirmation`, `transfer_to_agent`), never a client's.
 */
export function assertNoFunctionCalls(message: Content, what = 'newMessage'): void {
  message.parts.forEach((part, index) => {
    if (part.functionCall !== undefined) {
      throw new InvalidArgumentError(
        `${what}.parts[${index}] is a function call ('${String(part.functionCall.name)}'); a user message may not hold function calls, only function responses that answer pending requests`,
      );
    }
  });
}

/**
 * Binds the function responses of a user message to the requests pending in `events`; undefined
 * when the message holds none (an ordinary message). Throws, before anything is stored:
 * InvalidArgumentError for a malformed answer or a message that mixes answers with other parts;
 * ConfirmationMismatchError for an answer to an unknown call, one already answered, one named
 * differently from its call, or one that changes the arguments of a call that does not allow it.
 */
export function bindAnswers(events: readonly Event[], message: Content): BoundAnswers | undefined {
  assertNoFunctionCalls(message);
  const responses = message.parts.filter((part) => part.functionResponse !== undefined);
  if (responses.length === 0) return undefined;
  if (responses.length !== message.parts.length) {
    throw new InvalidArgumentError(
      'A message that answers pending requests must hold only function responses',
    );
  }
  const { pending, answered } = pendingAndAnswered(events);
  const seen = new Set<string>();
  const requests: PendingRequest[] = [];
  for (const part of responses) {
    const response = part.functionResponse!;
    const id = response.id;
    if (typeof id !== 'string' || id === '') {
      throw new InvalidArgumentError(
        `The function response '${response.name}' needs the id of the call it answers`,
      );
    }
    if (seen.has(id)) {
      throw new ConfirmationMismatchError(`The message answers call '${id}' twice`);
    }
    seen.add(id);
    const request = pending.get(id);
    if (!request) {
      throw new ConfirmationMismatchError(
        answered.has(id)
          ? `Call '${id}' was answered already`
          : `Call '${id}' is not a pending request of this session (unknown, answered, or abandoned by a later message)`,
      );
    }
    if (request.kind === 'confirmation')
      checkConfirmation(request, response.name, response.response);
    else if (response.name !== request.functionCall.name) {
      throw new ConfirmationMismatchError(
        `Call '${id}' is a call of '${request.functionCall.name}', not of '${response.name}'`,
      );
    }
    requests.push(request);
  }
  const invocationId = requests[0]!.invocationId;
  const other = requests.find((request) => request.invocationId !== invocationId);
  if (other) {
    throw new InvalidArgumentError(
      `The message answers requests of two invocations ('${requests[0]!.id}' of ${invocationId}, '${other.id}' of ${other.invocationId}); answer each invocation in its own message`,
    );
  }
  return { invocationId, requests };
}

function checkConfirmation(
  request: PendingConfirmation,
  name: string,
  response: Record<string, unknown>,
): void {
  if (name !== REQUEST_CONFIRMATION_FUNCTION_CALL_NAME) {
    throw new ConfirmationMismatchError(
      `Call '${request.id}' asks for a confirmation: answer it with a '${REQUEST_CONFIRMATION_FUNCTION_CALL_NAME}' response, not '${name}'`,
    );
  }
  const answer = readConfirmationAnswer(response);
  if (!answer) {
    throw new InvalidArgumentError(
      `The answer to '${request.id}' must be { confirmed: boolean, payload? } (or that object as JSON in 'response')`,
    );
  }
  const original = request.originalFunctionCall;
  const echoed = answer.originalFunctionCall;
  if (
    echoed !== undefined &&
    (echoed.id !== original.id ||
      echoed.name !== original.name ||
      (echoed.args !== undefined && !jsonEqual(echoed.args, original.args)))
  ) {
    throw new ConfirmationMismatchError(
      `The answer to '${request.id}' names another call than the one waiting ('${original.name}' ${original.id})`,
    );
  }
  // Without a payload of the tool's own, the payload stands for the call's arguments (the ADK
  // Dev UI sends them back, edited or not).
  if (
    answer.confirmed &&
    request.toolConfirmation.payload === undefined &&
    answer.payload !== undefined &&
    !request.editableArguments &&
    !jsonEqual(answer.payload, original.args)
  ) {
    throw new ConfirmationMismatchError(
      `The answer to '${request.id}' changes the arguments of '${original.name}', which does not allow edited arguments`,
    );
  }
}
