import { InvalidArgumentError, type StateView } from '@ferrite/core';

const PLACEHOLDER = /\{([^{}\s]+)\}/g;
const STATE_KEY = /^(?:(?:app|user|temp):)?[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Fills `{key}` placeholders from state (`{user:key}`, `{app:key}`, `{temp:key}` too). A missing
 * key is an InvalidArgumentError unless written `{key?}`, which gives an empty string. Braces
 * around anything that is not a state key (JSON examples, code) are left as they are.
 */
export function renderInstruction(template: string, state: StateView, agentName: string): string {
  if (!template.includes('{')) return template;
  return template.replace(PLACEHOLDER, (whole, inner: string) => {
    const optional = inner.endsWith('?');
    const key = optional ? inner.slice(0, -1) : inner;
    if (!STATE_KEY.test(key)) return whole;
    if (state.has(key)) {
      const value: unknown = state.get(key);
      if (value === undefined || value === null) return '';
      return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
    }
    if (optional) return '';
    throw new InvalidArgumentError(
      `The instruction of agent '${agentName}' uses state key '${key}', which is not set (write {${key}?} if it may be missing)`,
    );
  });
}
