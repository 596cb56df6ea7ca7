import { describe, it, expect } from 'vitest';
import { OpenAIChatModel } from '@ferrite/models';
import { DemoModel } from './demo-model.js';
import { modelFromEnv } from './model-from-env.js';

describe('modelFromEnv', () => {
  it('picks the demo model, labelled as such, when nothing is configured', () => {
    const { model, label } = modelFromEnv({ OPENAI_API_KEY: '', OPENAI_BASE_URL: ' ' });
    expect(model).toBeInstanceOf(DemoModel);
    expect(label).toMatch(/demo model .*not an AI/);
  });

  it('picks an OpenAI-compatible model from a key or a base URL', () => {
    const hosted = modelFromEnv({ OPENAI_API_KEY: 'sk-x' });
    expect(hosted.model).toBeInstanceOf(OpenAIChatModel);
    expect(hosted.label).toBe('gpt-4o-mini at api.openai.com');
    expect(hosted.label).not.toContain('sk-x');
    const local = modelFromEnv({
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
      OPENAI_MODEL: 'llama3.2',
    });
    expect(local.model.name).toBe('llama3.2');
    expect(local.label).toBe('llama3.2 at http://127.0.0.1:11434/v1');
  });

  it('names the variable when the base URL is malformed', () => {
    expect(() => modelFromEnv({ OPENAI_BASE_URL: 'localhost:11434' })).toThrow(
      /OPENAI_BASE_URL must be an http\(s\) URL/,
    );
  });
});
