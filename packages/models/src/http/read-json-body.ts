import { ModelError } from '@ferrite/core';

/** Parses a provider's JSON answer; a body that is not JSON is a {@link ModelError}. */
export async function readJsonBody(response: Response, provider: string): Promise<unknown> {
  try {
    return await response.json();
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new ModelError(`${provider} sent a body that is not JSON`, { cause: error });
    }
    throw error;
  }
}
