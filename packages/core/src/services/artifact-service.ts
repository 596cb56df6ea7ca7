import type { Part } from '../types/content.js';

/** Identifies the artifacts of one session. */
export interface ArtifactScope {
  appName: string;
  userId: string;
  sessionId: string;
}

/** Input of {@link ArtifactService.saveArtifact}. */
export interface SaveArtifactOptions extends ArtifactScope {
  /** A name starting `user:` belongs to the user and is visible from all their sessions. */
  filename: string;
  /** Must carry `inlineData`, `text` or `fileData`. */
  artifact: Part;
  customMetadata?: Record<string, unknown>;
}

/** Input of the artifact methods that name one artifact. */
export interface ArtifactFileOptions extends ArtifactScope {
  filename: string;
}

/** Input of {@link ArtifactService.loadArtifact} and {@link ArtifactService.getArtifactVersion}. */
export interface LoadArtifactOptions extends ArtifactFileOptions {
  /** The latest when absent. */
  version?: number;
}

/** What is known of one stored version of an artifact. */
export interface ArtifactVersion {
  version: number;
  mimeType: string;
  /** Byte size of the decoded data. */
  size: number;
  createTime: number;
  customMetadata?: Record<string, unknown>;
}

/** Stores versioned binary artifacts per session and per user (SPEC §4). */
export interface ArtifactService {
  /** Returns the new version: 0 for the first save, then one more per save. */
  saveArtifact(options: SaveArtifactOptions): Promise<number>;
  /** The given version, or the latest without one; undefined when unknown. */
  loadArtifact(options: LoadArtifactOptions): Promise<Part | undefined>;
  /** Sorted, unique; includes the user's `user:` names. */
  listArtifactKeys(options: ArtifactScope): Promise<string[]>;
  /** Removes every version. */
  deleteArtifact(options: ArtifactFileOptions): Promise<void>;
  /** Ascending; `[]` for an unknown name. */
  listVersions(options: ArtifactFileOptions): Promise<number[]>;
  /** What is known of one version (the latest without one); undefined when unknown. */
  getArtifactVersion?(options: LoadArtifactOptions): Promise<ArtifactVersion | undefined>;
}
