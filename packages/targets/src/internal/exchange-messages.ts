import { TargetError } from '@ferrite/core';
import { parseOutputMessage, preview } from '../protocol/target-message.js';
import { abortError } from './abort.js';
import type { TargetReply } from './target-reply.js';

/** Receives a target's messages during one exchange. */
interface MessageListener {
  /** One message as text; `where` names it in errors (`stdout line 3`, `message 2`). */
  message(text: string, where: string): void;
  /** The channel failed (exit, dropped connection, send error): the turn fails with `error`. */
  fail(error: Error): void;
}

/** One turn's exchange of protocol messages over a process's stdio or a WebSocket. */
export interface ExchangeOptions {
  /** Where the reply goes. */
  reply: TargetReply;
  /** Aborts the exchange (cancellation, timeout, run guards). */
  signal: AbortSignal;
  /** How errors name the agent. */
  label: string;
  /** Who answers, as errors call it (`process`, `peer`). */
  peer: string;
  /** Builds the error for a message that is not a JSON message (`message` names it). */
  badMessage: (message: string) => TargetError;
  /** Starts routing messages to `listener` and sends the input; returns how to stop routing. */
  open: (listener: MessageListener) => () => void;
}

/**
 * Runs one exchange: reads `delta`, `final` and `error` messages into the reply until `final`,
 * a reported error, a bad message, a bound passed, a channel failure or the signal aborting.
 * Whatever a message does, nothing is thrown into the channel's callbacks: every failure
 * settles the returned promise, once, after routing has stopped.
 */
export function exchangeMessages(options: ExchangeOptions): Promise<void> {
  const { signal, label } = options;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let stop: (() => void) | undefined;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      stop?.();
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = (): void => finish(abortError(signal, label));
    const listener: MessageListener = {
      message: (text, where) => {
        if (settled) return;
        try {
          if (readMessage(options, text, where)) finish();
        } catch (error) {
          finish(toError(error, label));
        }
      },
      fail: (error) => finish(error),
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      stop = options.open(listener);
    } catch (error) {
      finish(toError(error, label));
    }
    // open() may have failed the exchange at once (a failure already known), before `stop` was set.
    if (settled) stop?.();
  });
}

/** Applies one message to the reply; true when it ended the turn. */
function readMessage(options: ExchangeOptions, text: string, where: string): boolean {
  const parsed = parseOutputMessage(text);
  if (parsed === undefined) {
    throw options.badMessage(`${where} is not a JSON message: ${preview(text)}`);
  }
  switch (parsed.type) {
    case 'delta':
      options.reply.delta(parsed.delta);
      return false;
    case 'final':
      options.reply.final(parsed.output);
      return true;
    case 'error':
      throw new TargetError(
        `${options.label}: the ${options.peer} reported an error (${where}): ${parsed.error}`,
        parsed.code === undefined
          ? { reportedByTarget: true }
          : { targetCode: parsed.code, reportedByTarget: true },
      );
    default:
      return false;
  }
}

function toError(error: unknown, label: string): Error {
  if (error instanceof Error) return error;
  return new TargetError(`${label}: ${String(error)}`, { cause: error });
}
