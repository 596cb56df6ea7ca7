import { StringDecoder } from 'node:string_decoder';

/** Keeps the last `maxChars` characters written to it (a process's stderr), decoding UTF-8 safely. */
export class BoundedTail {
  readonly #maxChars: number;
  readonly #decoder = new StringDecoder('utf8');
  #text = '';

  constructor(maxChars: number) {
    this.#maxChars = maxChars;
  }

  /** Appends the next bytes (a multi-byte character split across chunks is kept whole). */
  write(chunk: Buffer): void {
    this.#text += this.#decoder.write(chunk);
    // Trim only when twice over the bound, so writes stay amortised O(chunk).
    if (this.#text.length > 2 * this.#maxChars) this.#text = this.#text.slice(-this.#maxChars);
  }

  /** The retained text, at most `maxChars` characters, trimmed of surrounding whitespace. */
  toString(): string {
    return this.#text.slice(-this.#maxChars).trim();
  }
}
