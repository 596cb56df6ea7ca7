export { QdrantMemoryService, type QdrantMemoryServiceConfig } from './qdrant-memory-service.js';
export { memoryPointId } from './memory-point-id.js';
