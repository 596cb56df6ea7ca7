import { InvalidArgumentError } from '@ferrite/core';
import { parseJsonPath, valueAt, type JsonPath } from './json-path.js';

/** The values a body template can refer to. */
export interface TemplateValues {
  /** `{{input}}`: the text of the user's message. */
  input: string;
  /** `{{sessionId}}`: the session of the turn. */
  sessionId: string;
  /** `{{userId}}`: the user of the session. */
  userId: string;
  /** `{{appName}}`: the runner's app. */
  appName: string;
  /** `{{invocationId}}`: the invocation the turn belongs to. */
  invocationId: string;
  /** `{{state}}` and `{{state.key}}`: the merged state the agent sees. */
  state: Record<string, unknown>;
}

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}\s]+)\s*\}\}$/;
const NAMES = new Set(['input', 'sessionId', 'userId', 'appName', 'invocationId', 'state']);

/** The body sent when no template is given: the same shape as the JSONL input message. */
export const DEFAULT_BODY_TEMPLATE = Object.freeze({
  type: 'input',
  input: '{{input}}',
  context: {
    sessionId: '{{sessionId}}',
    userId: '{{userId}}',
    appName: '{{appName}}',
    invocationId: '{{invocationId}}',
    state: '{{state}}',
  },
});

/**
 * A JSON request body with `{{input}}`, `{{sessionId}}`, `{{userId}}`, `{{appName}}`,
 * `{{invocationId}}`, `{{state}}` and `{{state.key}}` placeholders in its string values. A string
 * that is exactly one placeholder becomes the value itself (a number stays a number, a missing
 * state key becomes null); placeholders inside longer strings are spliced in as text. Since
 * substitution happens on parsed JSON, any value is JSON-safe: quotes or newlines in the input
 * can never break the body.
 */
export class BodyTemplate {
  readonly #template: unknown;
  readonly #paths = new Map<string, JsonPath>();

  /** `template` is a JSON value, or a string holding JSON text. */
  constructor(template: unknown, where: string) {
    let value = template;
    if (typeof template === 'string') {
      try {
        value = JSON.parse(template);
      } catch (error) {
        throw new InvalidArgumentError(`${where} is not valid JSON`, { cause: error });
      }
    }
    this.#template = value;
    this.#check(value, where);
  }

  /** The body with every placeholder replaced. */
  render(values: TemplateValues): unknown {
    return this.#render(this.#template, values);
  }

  #check(value: unknown, where: string): void {
    if (typeof value === 'string') {
      for (const match of value.matchAll(PLACEHOLDER)) this.#path(match[1]!, where);
    } else if (Array.isArray(value)) {
      for (const item of value) this.#check(item, where);
    } else if (value !== null && typeof value === 'object') {
      for (const item of Object.values(value)) this.#check(item, where);
    } else if (value !== null && !['number', 'boolean'].includes(typeof value)) {
      throw new InvalidArgumentError(`${where} must be JSON (found a ${typeof value})`);
    }
  }

  #path(name: string, where: string): JsonPath {
    let path = this.#paths.get(name);
    if (path) return path;
    path = parseJsonPath(name, `${where} placeholder`);
    const head = path[0];
    if (typeof head !== 'string' || !NAMES.has(head) || (head !== 'state' && path.length > 1)) {
      throw new InvalidArgumentError(
        `${where} has an unknown placeholder {{${name}}}; use input, sessionId, userId, appName, invocationId, state or state.<key>`,
      );
    }
    this.#paths.set(name, path);
    return path;
  }

  #lookup(name: string, values: TemplateValues): unknown {
    return valueAt(values, this.#paths.get(name)!);
  }

  #render(value: unknown, values: TemplateValues): unknown {
    if (typeof value === 'string') {
      const whole = WHOLE.exec(value);
      if (whole) return this.#lookup(whole[1]!, values) ?? null;
      return value.replace(PLACEHOLDER, (_match, name: string) => {
        const found = this.#lookup(name, values);
        if (found === undefined || found === null) return '';
        return typeof found === 'string' ? found : JSON.stringify(found);
      });
    }
    if (Array.isArray(value)) return value.map((item) => this.#render(item, values));
    if (value !== null && typeof value === 'object') {
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) result[key] = this.#render(item, values);
      return result;
    }
    return value;
  }
}
