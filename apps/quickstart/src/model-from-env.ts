import { InvalidArgumentError, type Model } from '@ferrite/core';
import { OpenAIChatModel } from '@ferrite/models';
import { DemoModel } from './demo-model.js';

/**
 * The model the apps use: an OpenAI-compatible one when `OPENAI_API_KEY` or `OPENAI_BASE_URL`
 * is set, else the offline demo model; a malformed setting is an InvalidArgumentError naming it.
 */
export function modelFromEnv(env: NodeJS.ProcessEnv = process.env): {
  model: Model;
  label: string;
} {
  const apiKey = env.OPENAI_API_KEY?.trim() || undefined;
  const baseURL = env.OPENAI_BASE_URL?.trim() || undefined;
  if (apiKey || baseURL) {
    if (baseURL !== undefined && !/^https?:\/\/[^/\s]+/.test(baseURL)) {
      throw new InvalidArgumentError(
        `OPENAI_BASE_URL must be an http(s) URL such as http://127.0.0.1:11434/v1, got '${baseURL}'`,
      );
    }
    const name = env.OPENAI_MODEL?.trim() || 'gpt-4o-mini';
    const model = new OpenAIChatModel({
      baseURL: baseURL ?? 'https://api.openai.com/v1',
      ...(apiKey ? { apiKey } : {}),
      model: name,
    });
    return { model, label: `${name} at ${baseURL ?? 'api.openai.com'}` };
  }
  return {
    model: new DemoModel(),
    label:
      'the demo model (deterministic rules, not an AI, offline; set OPENAI_API_KEY or ' +
      'OPENAI_BASE_URL to use a real one)',
  };
}
