import { randomUUID } from 'node:crypto';
import { rename, rm, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  InvalidArgumentError,
  toFerriteError,
  type ArtifactFileOptions,
  type ArtifactScope,
  type ArtifactService,
  type ArtifactVersion,
  type LoadArtifactOptions,
  type Part,
  type SaveArtifactOptions,
} from '@ferrite/core';
import {
  isUserArtifact,
  toArtifactRecord,
  toStorableMetadata,
  validateArtifactKey,
  validateArtifactScope,
} from '../validation/artifact-request.js';
import {
  NAME_FILE,
  decodeDirectory,
  encodeFilename,
  isArtifactDirectory,
  resolveInside,
} from './artifact-paths.js';
import { ContainedFs, codeOf } from './contained-fs.js';

/** Configuration of {@link FileArtifactService}. */
export interface FileArtifactServiceConfig {
  /** Directory that holds every artifact; created when missing. */
  rootDir: string;
}

/** The sidecar `{version}.json` written beside each version's bytes. */
interface VersionSidecar {
  kind: 'inlineData' | 'text' | 'fileData';
  mimeType: string;
  size: number;
  createTime: number;
  displayName?: string;
  fileUri?: string;
  customMetadata?: Record<string, unknown>;
}

const USER_DIRECTORY = 'user';
const DATA_FILE = /^(0|[1-9][0-9]*)$/;
const VERSION_FILE = /^(0|[1-9][0-9]*)(\.json)?$/;

/**
 * An {@link ArtifactService} on the local file system:
 * `{rootDir}/{app}/{user}/{session|'user'}/{encoded filename}/{version}` holds the bytes and
 * `{version}.json` beside it the mime type, metadata and creation time.
 *
 * @example
 * ```ts
 * const artifacts = new FileArtifactService({ rootDir: './data/artifacts' });
 * await artifacts.saveArtifact({ appName: 'shop', userId: 'ana', sessionId: 's1', filename: 'cart.json', artifact: { text: '{}' } });
 * ```
 */
export class FileArtifactService implements ArtifactService {
  readonly #config: Readonly<FileArtifactServiceConfig>;
  readonly #fs: ContainedFs;

  constructor(config: FileArtifactServiceConfig) {
    if (typeof config?.rootDir !== 'string' || config.rootDir.length === 0) {
      throw new InvalidArgumentError('FileArtifactService needs a rootDir');
    }
    this.#config = Object.freeze({ rootDir: resolve(config.rootDir) });
    this.#fs = new ContainedFs(this.#config.rootDir);
  }

  /** The absolute directory that holds every artifact. */
  get rootDir(): string {
    return this.#config.rootDir;
  }

  /**
   * Stores a new version: the version number is claimed by creating its sidecar exclusively
   * (retrying with the next number when another save got there first), then the bytes are
   * written to a temporary file and renamed into place, so a reader never sees half a file.
   */
  async saveArtifact(options: SaveArtifactOptions): Promise<number> {
    const scope = validateArtifactScope(options);
    const filename = validateArtifactKey(options.filename);
    const record = toArtifactRecord(options.artifact);
    const sidecar: VersionSidecar = {
      kind: record.part.inlineData
        ? 'inlineData'
        : record.part.text !== undefined
          ? 'text'
          : 'fileData',
      mimeType: record.mimeType,
      size: record.size,
      createTime: Date.now(),
    };
    if (record.part.inlineData?.displayName !== undefined) {
      sidecar.displayName = record.part.inlineData.displayName;
    }
    if (record.part.fileData) sidecar.fileUri = record.part.fileData.fileUri;
    const customMetadata = toStorableMetadata(options.customMetadata);
    if (customMetadata !== undefined) sidecar.customMetadata = customMetadata;
    const sidecarJson = JSON.stringify(sidecar);
    const bytes = record.bytes ?? Buffer.from(record.part.text ?? '', 'utf8');

    return this.#guard('save artifact', async () => {
      const directory = await this.#prepareDirectory(scope, filename);
      let version = await this.#nextVersion(directory);
      for (;;) {
        try {
          await this.#fs.create(directory, `${version}.json`, sidecarJson);
          break;
        } catch (error) {
          if (codeOf(error) !== 'EEXIST') throw error;
          version += 1;
        }
      }
      const temporary = `.tmp-${randomUUID()}`;
      try {
        await this.#fs.create(directory, temporary, bytes);
        // rename replaces a link at the destination; it never writes through one.
        await rename(join(directory, temporary), join(directory, String(version)));
        await this.#fs.verify(directory);
      } catch (error) {
        await unlink(join(directory, temporary)).catch(() => undefined);
        await unlink(join(directory, `${version}.json`)).catch(() => undefined);
        throw error;
      }
      return version;
    });
  }

  /** The given version, or the latest; undefined when unknown. */
  async loadArtifact(options: LoadArtifactOptions): Promise<Part | undefined> {
    const scope = validateArtifactScope(options);
    const filename = validateArtifactKey(options.filename, options.version);
    return this.#guard('load artifact', async () => {
      const directory = await this.#existingDirectory(scope, filename);
      if (directory === undefined) return undefined;
      const version = options.version ?? (await this.#versions(directory)).at(-1);
      if (version === undefined) return undefined;
      const [bytes, sidecar] = await Promise.all([
        this.#fs.read(directory, String(version)),
        this.#readSidecar(directory, version),
      ]);
      if (bytes === undefined || sidecar === undefined) return undefined;
      switch (sidecar.kind) {
        case 'text':
          return { text: bytes.toString('utf8') };
        case 'fileData':
          return { fileData: { mimeType: sidecar.mimeType, fileUri: sidecar.fileUri ?? '' } };
        default: {
          const inlineData = { mimeType: sidecar.mimeType, data: bytes.toString('base64') };
          return {
            inlineData:
              sidecar.displayName === undefined
                ? inlineData
                : { ...inlineData, displayName: sidecar.displayName },
          };
        }
      }
    });
  }

  /** Sorted, unique filenames of the session plus the user's `user:` names. */
  async listArtifactKeys(options: ArtifactScope): Promise<string[]> {
    const scope = validateArtifactScope(options);
    return this.#guard('list artifacts', async () => {
      const user = [scope.appName, scope.userId];
      resolveInside(this.rootDir, ...user, scope.sessionId);
      const names = new Set<string>();
      for (const filename of await this.#filenames([...user, scope.sessionId])) names.add(filename);
      for (const filename of await this.#filenames([...user, USER_DIRECTORY])) {
        // A session named "user" shares the directory; only user: names belong to the user.
        if (isUserArtifact(filename)) names.add(filename);
      }
      return [...names].sort();
    });
  }

  /** Removes every version; unknown names are ignored. */
  async deleteArtifact(options: ArtifactFileOptions): Promise<void> {
    const scope = validateArtifactScope(options);
    const filename = validateArtifactKey(options.filename);
    await this.#guard('delete artifact', async () => {
      const directory = await this.#existingDirectory(scope, filename);
      if (directory === undefined) return;
      await this.#fs.entries(directory); // refuses a link among the files
      await this.#fs.verify(directory);
      await rm(directory, { recursive: true, force: true });
    });
  }

  /** Version numbers, ascending; `[]` for an unknown name. */
  async listVersions(options: ArtifactFileOptions): Promise<number[]> {
    const scope = validateArtifactScope(options);
    const filename = validateArtifactKey(options.filename);
    return this.#guard('list artifact versions', async () => {
      const directory = await this.#existingDirectory(scope, filename);
      return directory === undefined ? [] : this.#versions(directory);
    });
  }

  /** What is known of the given version (or the latest); undefined when unknown. */
  async getArtifactVersion(options: LoadArtifactOptions): Promise<ArtifactVersion | undefined> {
    const scope = validateArtifactScope(options);
    const filename = validateArtifactKey(options.filename, options.version);
    return this.#guard('describe artifact version', async () => {
      const directory = await this.#existingDirectory(scope, filename);
      if (directory === undefined) return undefined;
      const versions = await this.#versions(directory);
      const version = options.version ?? versions.at(-1);
      if (version === undefined || !versions.includes(version)) return undefined;
      const sidecar = await this.#readSidecar(directory, version);
      if (!sidecar) return undefined;
      const info: ArtifactVersion = {
        version,
        mimeType: sidecar.mimeType,
        size: sidecar.size,
        createTime: sidecar.createTime,
      };
      if (sidecar.customMetadata !== undefined) info.customMetadata = sidecar.customMetadata;
      return info;
    });
  }

  /** The directory names below rootDir, checked once more to stay inside it. */
  #segments(scope: ArtifactScope, filename: string): string[] {
    const owner = isUserArtifact(filename) ? USER_DIRECTORY : scope.sessionId;
    const segments = [scope.appName, scope.userId, owner, encodeFilename(filename).directory];
    resolveInside(this.rootDir, ...segments);
    return segments;
  }

  /** The artifact's checked directory, undefined when it does not exist. */
  #existingDirectory(scope: ArtifactScope, filename: string): Promise<string | undefined> {
    return this.#fs.directory(this.#segments(scope, filename), false);
  }

  async #prepareDirectory(scope: ArtifactScope, filename: string): Promise<string> {
    const directory = (await this.#fs.directory(this.#segments(scope, filename), true))!;
    if (encodeFilename(filename).hashed) {
      const temporary = `.tmp-${randomUUID()}`;
      await this.#fs.create(directory, temporary, filename);
      await rename(join(directory, temporary), join(directory, NAME_FILE));
    }
    return directory;
  }

  async #nextVersion(directory: string): Promise<number> {
    let next = 0;
    for (const entry of await this.#fs.entries(directory)) {
      const match = VERSION_FILE.exec(entry.name);
      if (match) next = Math.max(next, Number(match[1]) + 1);
    }
    return next;
  }

  async #versions(directory: string): Promise<number[]> {
    return (await this.#fs.entries(directory))
      .filter((entry) => DATA_FILE.test(entry.name))
      .map((entry) => Number(entry.name))
      .sort((a, b) => a - b);
  }

  async #filenames(ownerSegments: string[]): Promise<string[]> {
    const ownerDirectory = await this.#fs.directory(ownerSegments, false);
    if (ownerDirectory === undefined) return [];
    const filenames: string[] = [];
    for (const entry of await this.#fs.entries(ownerDirectory)) {
      if (!entry.isDirectory() || !isArtifactDirectory(entry.name)) continue;
      const directory = join(ownerDirectory, entry.name);
      if ((await this.#versions(directory)).length === 0) continue;
      const filename =
        decodeDirectory(entry.name) ??
        (await this.#fs.read(directory, NAME_FILE))?.toString('utf8');
      if (filename !== undefined) filenames.push(filename);
    }
    return filenames;
  }

  async #readSidecar(directory: string, version: number): Promise<VersionSidecar | undefined> {
    const raw = await this.#fs.read(directory, `${version}.json`);
    return raw === undefined ? undefined : (JSON.parse(raw.toString('utf8')) as VersionSidecar);
  }

  async #guard<TResult>(action: string, run: () => Promise<TResult>): Promise<TResult> {
    try {
      return await run();
    } catch (error) {
      throw toFerriteError(error, `could not ${action}`);
    }
  }
}
