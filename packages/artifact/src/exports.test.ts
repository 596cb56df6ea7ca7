import { describe, expect, it } from 'vitest';

// The public surface, pinned: the root gives users the services; what another store needs to
// validate requests as these do lives under ./internal, the S3 service under ./s3.
describe('@ferrite/artifact exports', () => {
  it('exports only the services from the root', async () => {
    expect(Object.keys(await import('./index.js')).sort()).toEqual([
      'FileArtifactService',
      'InMemoryArtifactService',
    ]);
  });

  it('exports the request checks for other stores from ./internal', async () => {
    expect(Object.keys(await import('./internal/index.js')).sort()).toEqual([
      'isUserArtifact',
      'toArtifactRecord',
      'toStorableMetadata',
      'validateArtifactKey',
      'validateArtifactScope',
    ]);
  });

  it('exports the S3 service from ./s3', async () => {
    expect(Object.keys(await import('./s3/index.js')).sort()).toEqual(['S3ArtifactService']);
  });
});
