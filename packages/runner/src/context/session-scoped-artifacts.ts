import { ShapeKeeper } from '@ferrite/core';
import type {
  ArtifactScope,
  ArtifactService,
  ArtifactVersion,
  Part,
  ScopedArtifacts,
} from '@ferrite/core';
import { PendingWrites } from './pending-writes.js';

const sessionScopedArtifactsShape = new ShapeKeeper<SessionScopedArtifacts>();

/**
 * The artifacts of one session as an agent sees them; every save is recorded in a buffer that
 * only the runner takes from, to attach it to the next event's `artifactDelta`.
 */
export class SessionScopedArtifacts implements ScopedArtifacts {
  readonly #service: ArtifactService;
  readonly #scope: ArtifactScope;
  readonly #pending: PendingWrites;

  constructor(
    service: ArtifactService,
    scope: ArtifactScope,
    pending: PendingWrites = new PendingWrites(),
  ) {
    this.#service = service;
    this.#scope = scope;
    this.#pending = pending;
    sessionScopedArtifactsShape.keep(this);
  }

  async save(
    filename: string,
    artifact: Part,
    options: { customMetadata?: Record<string, unknown> } = {},
  ): Promise<number> {
    const version = await this.#service.saveArtifact({
      ...this.#scope,
      filename,
      artifact,
      ...(options.customMetadata ? { customMetadata: options.customMetadata } : {}),
    });
    this.#pending.recordArtifact(filename, version);
    return version;
  }

  load(filename: string, version?: number): Promise<Part | undefined> {
    return this.#service.loadArtifact({
      ...this.#scope,
      filename,
      ...(version === undefined ? {} : { version }),
    });
  }

  list(): Promise<string[]> {
    return this.#service.listArtifactKeys({ ...this.#scope });
  }

  versions(filename: string): Promise<number[]> {
    return this.#service.listVersions({ ...this.#scope, filename });
  }

  async info(filename: string, version?: number): Promise<ArtifactVersion | undefined> {
    if (!this.#service.getArtifactVersion) return undefined;
    return this.#service.getArtifactVersion({
      ...this.#scope,
      filename,
      ...(version === undefined ? {} : { version }),
    });
  }
}
