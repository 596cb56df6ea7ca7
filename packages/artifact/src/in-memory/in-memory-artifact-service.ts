import type {
  ArtifactFileOptions,
  ArtifactScope,
  ArtifactService,
  ArtifactVersion,
  LoadArtifactOptions,
  Part,
  SaveArtifactOptions,
} from '@ferrite/core';
import {
  isUserArtifact,
  toArtifactRecord,
  toStorableMetadata,
  validateArtifactKey,
  validateArtifactScope,
} from '../validation/artifact-request.js';

interface StoredVersion {
  readonly part: Part;
  readonly info: ArtifactVersion;
}

/**
 * The embedded default {@link ArtifactService}: versions live in process memory and are lost
 * when the process ends.
 *
 * @example
 * ```ts
 * const artifacts = new InMemoryArtifactService();
 * const version = await artifacts.saveArtifact({ appName: 'shop', userId: 'ana', sessionId: 's1', filename: 'note.txt', artifact: { text: 'hi' } });
 * ```
 */
export class InMemoryArtifactService implements ArtifactService {
  /** Owner key (app, user, and session or the user scope) -> filename -> versions. */
  readonly #owners = new Map<string, Map<string, StoredVersion[]>>();

  /** Stores a new version and returns its number (0 for the first). */
  async saveArtifact(options: SaveArtifactOptions): Promise<number> {
    const scope = validateArtifactScope(options);
    const filename = validateArtifactKey(options.filename);
    const record = toArtifactRecord(options.artifact);
    const customMetadata = toStorableMetadata(options.customMetadata);
    const owner = ownerKey(scope, filename);
    let files = this.#owners.get(owner);
    if (!files) {
      files = new Map();
      this.#owners.set(owner, files);
    }
    let versions = files.get(filename);
    if (!versions) {
      versions = [];
      files.set(filename, versions);
    }
    const version = versions.length;
    const info: ArtifactVersion = {
      version,
      mimeType: record.mimeType,
      size: record.size,
      createTime: Date.now(),
    };
    if (customMetadata !== undefined) info.customMetadata = customMetadata;
    versions.push({ part: record.part, info });
    return version;
  }

  /** The given version, or the latest; undefined when unknown. */
  async loadArtifact(options: LoadArtifactOptions): Promise<Part | undefined> {
    const stored = this.#find(options);
    return stored && structuredClone(stored.part);
  }

  /** Sorted, unique filenames of the session plus the user's `user:` names. */
  async listArtifactKeys(options: ArtifactScope): Promise<string[]> {
    const scope = validateArtifactScope(options);
    const names = new Set<string>();
    for (const owner of [sessionKey(scope), userKey(scope)]) {
      for (const filename of this.#owners.get(owner)?.keys() ?? []) names.add(filename);
    }
    return [...names].sort();
  }

  /** Removes every version; unknown names are ignored. */
  async deleteArtifact(options: ArtifactFileOptions): Promise<void> {
    const scope = validateArtifactScope(options);
    const filename = validateArtifactKey(options.filename);
    const owner = ownerKey(scope, filename);
    const files = this.#owners.get(owner);
    files?.delete(filename);
    if (files?.size === 0) this.#owners.delete(owner);
  }

  /** Version numbers, ascending; `[]` for an unknown name. */
  async listVersions(options: ArtifactFileOptions): Promise<number[]> {
    const scope = validateArtifactScope(options);
    const filename = validateArtifactKey(options.filename);
    const versions = this.#owners.get(ownerKey(scope, filename))?.get(filename) ?? [];
    return versions.map((stored) => stored.info.version);
  }

  /** What is known of the given version (or the latest); undefined when unknown. */
  async getArtifactVersion(options: LoadArtifactOptions): Promise<ArtifactVersion | undefined> {
    const stored = this.#find(options);
    return stored && structuredClone(stored.info);
  }

  #find(options: LoadArtifactOptions): StoredVersion | undefined {
    const scope = validateArtifactScope(options);
    const filename = validateArtifactKey(options.filename, options.version);
    const versions = this.#owners.get(ownerKey(scope, filename))?.get(filename);
    if (!versions) return undefined;
    return options.version === undefined ? versions.at(-1) : versions[options.version];
  }
}

// NUL cannot occur in a valid name, so these keys never collide (a session named "user" included).
function sessionKey(scope: ArtifactScope): string {
  return `${scope.appName}\0${scope.userId}\0session\0${scope.sessionId}`;
}

function userKey(scope: ArtifactScope): string {
  return `${scope.appName}\0${scope.userId}\0user`;
}

function ownerKey(scope: ArtifactScope, filename: string): string {
  return isUserArtifact(filename) ? userKey(scope) : sessionKey(scope);
}
