import type {
  ArtifactScope,
  ArtifactService,
  ArtifactVersion,
  Part,
  ScopedArtifacts,
} from '@ferrite/core';

/**
 * The artifacts of one session as an agent sees them; every save is recorded so the runner
 * can attach it to the next event's `artifactDelta`.
 */
export class SessionScopedArtifacts implements ScopedArtifacts {
  readonly #service: ArtifactService;
  readonly #scope: ArtifactScope;
  #pending: Record<string, number> = {};
  #pendingCount = 0;

  constructor(service: ArtifactService, scope: ArtifactScope) {
    this.#service = service;
    this.#scope = scope;
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
    if (!Object.hasOwn(this.#pending, filename)) this.#pendingCount += 1;
    this.#pending[filename] = version;
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

  takeDelta(): Record<string, number> {
    if (this.#pendingCount === 0) return {};
    const delta = this.#pending;
    this.#pending = {};
    this.#pendingCount = 0;
    return delta;
  }

  /** True when saves are waiting to be attached to an event. */
  get hasPending(): boolean {
    return this.#pendingCount > 0;
  }
}
