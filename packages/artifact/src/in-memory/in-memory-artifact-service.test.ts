import { artifactServiceContract } from '@ferrite/core/testing';
import { InMemoryArtifactService } from '../index.js';

artifactServiceContract('InMemoryArtifactService', { create: () => new InMemoryArtifactService() });
