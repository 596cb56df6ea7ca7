import type { Model } from '@ferrite/core';
import { OpenAIChatModel } from '@ferrite/models';
import { DemoModel } from './demo-model.js';

/** The model the apps use: an OpenAI-compatible one when configured, else the offline demo model. */
export function modelFromEnv(env: NodeJS.ProcessEnv = process.env): {
  model: Model;
  label: string;
} {
  const apiKey = env.OPENAI_API_KEY;
  const baseURL = env.OPENAI_BASE_URL;
  if (apiKey || baseURL) {
    const name = env.OPENAI_MODEL ?? 'gpt-4o-mini';
    const model = new OpenAIChatModel({
      baseURL: baseURL ?? 'https://api.openai.com/v1',
      ...(apiKey ? { apiKey } : {}),
      model: name,
    });
    return { model, label: `${name} at ${baseURL ?? 'api.openai.com'}` };
  }
  return {
    model: new DemoModel(),
    label: 'the demo model (deterministic rules, offline; set OPENAI_API_KEY to use a real one)',
  };
}
