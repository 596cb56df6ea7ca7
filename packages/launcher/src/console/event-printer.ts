import { getFunctionCalls, getFunctionResponses, textOf, type Event } from '@ferrite/core';

/** Something text can be written to (a stdout-like stream). */
export interface TextSink {
  /** Writes text as is (no newline added). */
  write(text: string): unknown;
}

const MAX_SHOWN = 120;

/**
 * Prints a run's events compactly: streamed text as it arrives (the final event does not
 * repeat it), one line per tool call, tool result and transfer.
 */
export class EventPrinter {
  readonly #out: TextSink;
  /** Author whose streamed text is being printed on the current line. */
  #streaming: string | undefined;
  #atLineStart = true;

  constructor(out: TextSink) {
    this.#out = out;
  }

  /** Prints one event. */
  print(event: Event): void {
    const text = textOf(event.content);
    if (event.partial) {
      if (text === '') return;
      if (this.#streaming !== event.author) {
        this.#endLine();
        this.#write(`[${event.author}] `);
        this.#streaming = event.author;
      }
      this.#write(text);
      return;
    }
    if (text !== '') {
      if (this.#streaming === event.author) this.#endLine();
      else {
        this.#endLine();
        this.#write(`[${event.author}] ${text}`);
        this.#endLine();
      }
    }
    this.#streaming = undefined;
    for (const call of getFunctionCalls(event)) {
      if (call.name === 'transfer_to_agent') continue;
      this.#line(`  → ${call.name}(${shorten(JSON.stringify(call.args ?? {}))})`);
    }
    for (const response of getFunctionResponses(event)) {
      if (response.name === 'transfer_to_agent') continue;
      this.#line(`  ← ${response.name}: ${shorten(JSON.stringify(response.response))}`);
    }
    if (event.actions.transferToAgent) {
      this.#line(`  ⇒ ${event.author} transfers to ${event.actions.transferToAgent}`);
    }
    if (event.errorCode || event.errorMessage) {
      this.#line(`  ! ${event.errorCode ?? 'error'}: ${event.errorMessage ?? ''}`);
    }
  }

  /** Prints a line, ending any streamed text first. */
  line(text: string): void {
    this.#line(text);
  }

  /** Ends a streamed line, if one is open. */
  finish(): void {
    this.#endLine();
    this.#streaming = undefined;
  }

  #line(text: string): void {
    this.#endLine();
    this.#write(`${text}\n`);
  }

  #endLine(): void {
    if (!this.#atLineStart) this.#write('\n');
  }

  #write(text: string): void {
    if (text === '') return;
    this.#out.write(text);
    this.#atLineStart = text.endsWith('\n');
  }
}

function shorten(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}
