import { InvalidArgumentError } from '@ferrite/core';

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces each `${NAME}` in `value` with `variables[NAME]`. An unset variable is an
 * {@link InvalidArgumentError} (never an empty string): a missing API key should fail loudly,
 * not send an empty one. `where` names the setting in the message; values are never shown.
 */
export function substituteVariables(
  value: string,
  variables: Readonly<Record<string, string | undefined>>,
  where: string,
): string {
  return value.replace(VARIABLE, (_match, name: string) => {
    const replacement = variables[name];
    if (replacement === undefined) {
      throw new InvalidArgumentError(`${where} refers to \${${name}}, which is not set`);
    }
    return replacement;
  });
}

/** Substitutes `${NAME}` in every value of `record` (see {@link substituteVariables}). */
export function substituteRecord(
  record: Readonly<Record<string, string>> | undefined,
  variables: Readonly<Record<string, string | undefined>>,
  where: string,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(record ?? {})) {
    result[key] = substituteVariables(value, variables, `${where}.${key}`);
  }
  return result;
}
