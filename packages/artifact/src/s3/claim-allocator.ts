import { randomUUID } from 'node:crypto';
import { InternalError } from '@ferrite/core';
import { claimKey } from './s3-keys.js';

/** The versions and claim markers found under one artifact's prefix. */
export interface VersionListing {
  /** Ascending. */
  versions: number[];
  /** Claim markers: the version each claims, its id and when it was written (ms). */
  claims: { version: number; claimId: string; lastModified: number }[];
}

/** The store operations a {@link ClaimAllocator} needs. */
export interface ClaimStore {
  /** Key prefix of the artifact's objects, ending in `/`. */
  filePrefix: string;
  /** Versions and claims under the prefix, every page. */
  list(filePrefix: string): Promise<VersionListing>;
  /** Keys starting with `prefix`. */
  listClaims(prefix: string): Promise<string[]>;
  /** Writes an empty object. */
  put(key: string): Promise<void>;
  /** True when the object exists. */
  exists(key: string): Promise<boolean>;
  /** Deletes the object. */
  remove(key: string): Promise<void>;
}

/** A claim older than this whose version has no object belongs to a writer that died. */
const STALE_CLAIM_MS = 5 * 60_000;
const MAX_ATTEMPTS = 64;

/**
 * Gives each concurrent save its own version on stores that ignore `If-None-Match` (s3rver,
 * older S3-compatible servers). Needs only read-after-write consistent PUT, LIST, HEAD and
 * DELETE. A writer puts a claim marker `{version}.claim.{uuid}`, then lists the claims on
 * that version and checks the version object; it writes the version only when its claim is
 * the only one and the object is absent, else it removes its claim and tries again after a
 * random delay. Two writers cannot both win: the later of the two claim writes is followed
 * by a listing that sees the earlier claim (or, once the winner has written its object and
 * removed its claim, the object itself).
 */
export class ClaimAllocator {
  readonly #store: ClaimStore;

  constructor(store: ClaimStore) {
    this.#store = store;
  }

  /** Claims the next free version, runs `write` for it and returns it. */
  async allocate(write: (version: number) => Promise<void>): Promise<number> {
    const { filePrefix } = this.#store;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const listing = await this.#store.list(filePrefix);
      const version = nextVersion(listing, Date.now());
      const claimId = randomUUID();
      const claim = claimKey(filePrefix, version, claimId);
      await this.#store.put(claim);
      try {
        const claims = await this.#store.listClaims(`${filePrefix}${version}.claim.`);
        const won =
          claims.every((other) => other === claim) &&
          !(await this.#store.exists(`${filePrefix}${version}`));
        if (won) {
          await write(version);
          return version;
        }
      } finally {
        // The winner's object now guards the version, so its claim can go too.
        await this.#store.remove(claim).catch(() => undefined);
      }
      await contentionDelay(attempt);
    }
    throw new InternalError(
      `S3 save of ${filePrefix} found no free version after ${MAX_ATTEMPTS} attempts`,
    );
  }
}

/**
 * One past the highest stored version; a stale claim (a writer that died after claiming)
 * counts as taken so that it never blocks the artifact, at the price of a gap.
 */
function nextVersion(listing: VersionListing, now: number): number {
  let highest = listing.versions[listing.versions.length - 1] ?? -1;
  for (const claim of listing.claims) {
    if (now - claim.lastModified > STALE_CLAIM_MS && claim.version > highest)
      highest = claim.version;
  }
  return highest + 1;
}

/** Waits a random, growing while so that contending writers spread out. */
export function contentionDelay(attempt: number): Promise<void> {
  const ceiling = Math.min(10 * 2 ** Math.min(attempt, 6), 500);
  return new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * ceiling));
}
