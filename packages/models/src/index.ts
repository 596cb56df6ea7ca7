export { OpenAIChatModel, type OpenAIChatModelConfig } from './openai/openai-chat-model.js';
export { OpenAIEmbedder, type OpenAIEmbedderConfig } from './openai/openai-embedder.js';
export { GeminiModel, type GeminiModelConfig } from './gemini/gemini-model.js';
export type { HttpModelConfig } from './http/http-model-config.js';
