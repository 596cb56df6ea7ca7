export { InMemoryMemoryService } from './in-memory/in-memory-memory-service.js';
export { HashingEmbedder, type HashingEmbedderConfig } from './embedders/hashing-embedder.js';
