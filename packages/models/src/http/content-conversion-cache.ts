import type { Content } from '@ferrite/core';

/**
 * Converts Contents to a provider's wire form once per frozen Content. An agent sends the same
 * stored (frozen) history on every call, so only new contents cost a conversion; a Content that
 * is not frozen may still change, so it is converted every time.
 */
export class ContentConversionCache<TWire> {
  readonly #converted = new WeakMap<Content, TWire>();
  readonly #convert: (content: Content) => TWire;

  constructor(convert: (content: Content) => TWire) {
    this.#convert = convert;
  }

  /** The wire form of `content`, from the cache when the Content is frozen. */
  of(content: Content): TWire {
    const cached = this.#converted.get(content);
    if (cached) return cached;
    const converted = this.#convert(content);
    if (Object.isFrozen(content) && Object.isFrozen(content.parts)) {
      this.#converted.set(content, converted);
    }
    return converted;
  }
}
