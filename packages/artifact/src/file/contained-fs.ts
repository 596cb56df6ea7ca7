import { constants, type Dirent } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rmdir, unlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { InternalError } from '@ferrite/core';

/**
 * File operations that never follow a symbolic link below the store's root. Node has no
 * `openat`, so a directory cannot be pinned: every directory is checked (each component is
 * `lstat`ed, then its `realpath` must be the path itself) before use and checked again after,
 * and files are opened with `O_NOFOLLOW`. A link swapped in between the two checks makes the
 * operation fail; what it created through the link is removed again.
 */
export class ContainedFs {
  readonly #root: string;

  /** `root` is the configured directory; it may itself be a link (it is resolved once per call). */
  constructor(root: string) {
    this.#root = root;
  }

  /**
   * The real path of `{root}/{segments}` after checking that no component is a link; with
   * `create`, missing directories are made one by one. Undefined when a component is missing
   * (and not created).
   */
  async directory(segments: readonly string[], create: boolean): Promise<string | undefined> {
    if (create) await mkdir(this.#root, { recursive: true });
    let path: string;
    try {
      path = await realpath(this.#root);
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return undefined;
      throw error;
    }
    const root = path;
    const created: string[] = [];
    for (const segment of segments) {
      path = join(path, segment);
      if (create) {
        try {
          await mkdir(path);
          created.push(path);
        } catch (error) {
          if (codeOf(error) !== 'EEXIST') throw error;
        }
      }
      let stats;
      try {
        stats = await lstat(path);
      } catch (error) {
        if (codeOf(error) === 'ENOENT' || codeOf(error) === 'ENOTDIR') return undefined;
        throw error;
      }
      if (stats.isSymbolicLink()) throw linkError(root, path);
      if (!stats.isDirectory()) {
        throw new InternalError(`artifact store path ${describe(root, path)} is not a directory`);
      }
    }
    try {
      await this.verify(path);
    } catch (error) {
      // A component became a link during the walk: remove the (empty) directories made here.
      for (const directory of created.reverse()) await rmdir(directory).catch(() => undefined);
      throw error;
    }
    return path;
  }

  /** Throws when `directory` (a path from {@link directory}) now resolves elsewhere. */
  async verify(directory: string): Promise<void> {
    let real: string;
    try {
      real = await realpath(directory);
    } catch (error) {
      // Removed meanwhile (a concurrent delete): nothing resolves elsewhere.
      if (codeOf(error) === 'ENOENT') return;
      throw error;
    }
    if (real !== directory) throw linkError(await this.#realRoot(), directory);
  }

  /** The entries of a checked directory; a link among them is an error. `[]` when it is gone. */
  async entries(directory: string): Promise<Dirent[]> {
    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      if (codeOf(error) === 'ENOENT' || codeOf(error) === 'ENOTDIR') return [];
      throw error;
    }
    const link = entries.find((entry) => entry.isSymbolicLink());
    if (link) throw linkError(await this.#realRoot(), join(directory, link.name));
    return entries;
  }

  /** The bytes of a regular file in a checked directory, undefined when it does not exist. */
  async read(directory: string, name: string): Promise<Buffer | undefined> {
    const path = join(directory, name);
    let handle;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return undefined;
      if (isLinkRefusal(error)) throw linkError(await this.#realRoot(), path);
      throw error;
    }
    try {
      if (!(await handle.stat()).isFile()) {
        throw new InternalError(`artifact store path ${name} is not a regular file`);
      }
      const bytes = await handle.readFile();
      // The directory may have been swapped for a link while the file was opened.
      await this.verify(directory);
      return bytes;
    } finally {
      await handle.close();
    }
  }

  /**
   * Creates `name` in a checked directory and writes `data`, failing with `EEXIST` when it is
   * there (a link included: `O_EXCL` never follows one).
   */
  async create(directory: string, name: string, data: Uint8Array | string): Promise<void> {
    const path = join(directory, name);
    const handle = await open(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o666,
    );
    try {
      const { ino, dev } = await handle.stat();
      try {
        await this.verify(directory);
      } catch (error) {
        // The directory became a link after its check: remove what was created through it.
        const now = await lstat(path).catch(() => undefined);
        if (now && now.ino === ino && now.dev === dev) await unlink(path).catch(() => undefined);
        throw error;
      }
      try {
        await handle.writeFile(data);
      } catch (error) {
        await unlink(path).catch(() => undefined);
        throw error;
      }
    } finally {
      await handle.close();
    }
  }

  async #realRoot(): Promise<string> {
    return realpath(this.#root).catch(() => this.#root);
  }
}

/** The error every refused link gives: the store never follows links below its root. */
function linkError(root: string, path: string): InternalError {
  return new InternalError(
    `artifact store path ${describe(root, path)} is a symbolic link; FileArtifactService does not follow links inside rootDir`,
  );
}

function describe(root: string, path: string): string {
  const inside = relative(root, path);
  return inside === '' || inside.startsWith(`..${sep}`)
    ? JSON.stringify(path)
    : JSON.stringify(inside);
}

/** `O_NOFOLLOW` on a link fails with ELOOP (Linux, macOS) or EMLINK (FreeBSD). */
function isLinkRefusal(error: unknown): boolean {
  return codeOf(error) === 'ELOOP' || codeOf(error) === 'EMLINK';
}

/** The `code` of a Node system error. */
export function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null
    ? (error as { code?: unknown }).code
    : undefined;
}
