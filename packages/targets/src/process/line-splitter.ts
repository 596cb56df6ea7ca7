/**
 * Splits a byte stream into lines without buffering more than `maxLineBytes` of any one line:
 * bytes are counted as they arrive, and a line that grows past the limit is dropped at once and
 * reported through `onOverflow` (after which the splitter ignores everything).
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  readonly #onLine: (line: string) => void;
  readonly #onOverflow: () => void;
  #pieces: Buffer[] = [];
  #size = 0;
  #stopped = false;

  constructor(maxLineBytes: number, onLine: (line: string) => void, onOverflow: () => void) {
    this.#maxLineBytes = maxLineBytes;
    this.#onLine = onLine;
    this.#onOverflow = onOverflow;
  }

  /** Feeds the next bytes of the stream; complete lines are passed on at once. */
  push(chunk: Buffer): void {
    let start = 0;
    while (!this.#stopped) {
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!this.#append(chunk.subarray(start, end))) return;
      if (newline === -1) return;
      this.#emit();
      start = newline + 1;
    }
  }

  /** Emits what is left as a last line (a stream that ended without a newline). */
  end(): void {
    if (!this.#stopped && this.#size > 0) this.#emit();
  }

  /** Ignores everything from now on. */
  stop(): void {
    this.#stopped = true;
    this.#pieces = [];
  }

  #append(piece: Buffer): boolean {
    if (piece.length === 0) return true;
    this.#size += piece.length;
    if (this.#size > this.#maxLineBytes) {
      this.stop();
      this.#onOverflow();
      return false;
    }
    this.#pieces.push(piece);
    return true;
  }

  #emit(): void {
    const bytes = this.#pieces.length === 1 ? this.#pieces[0]! : Buffer.concat(this.#pieces);
    this.#pieces = [];
    this.#size = 0;
    let line = bytes.toString('utf8');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    this.#onLine(line);
  }
}
