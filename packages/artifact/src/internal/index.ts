// `@ferrite/artifact/internal`: the request checks every store of this package runs, for other
// ArtifactService implementations that should accept and refuse exactly what these do.
export {
  isUserArtifact,
  toArtifactRecord,
  toStorableMetadata,
  validateArtifactKey,
  validateArtifactScope,
  type ArtifactRecord,
} from '../validation/artifact-request.js';
