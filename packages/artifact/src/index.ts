export { InMemoryArtifactService } from './in-memory/in-memory-artifact-service.js';
export {
  FileArtifactService,
  type FileArtifactServiceConfig,
} from './file/file-artifact-service.js';
