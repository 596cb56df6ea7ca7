export {
  S3ArtifactService,
  type S3ArtifactServiceConfig,
  type S3VersionAllocation,
} from './s3-artifact-service.js';
