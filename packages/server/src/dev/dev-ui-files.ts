import { open, realpath } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { InvalidArgumentError } from '@ferrite/core';
import { HttpError } from '../http/http-error.js';

/** Options of the Dev UI's static files (`devUi` of `createHandler`). */
export interface DevUiOptions {
  /** The folder holding the UI's `index.html` (`dist/browser` of `@google/adk-devtools`). */
  root: string;
  /** Largest file served, in bytes (default 64 MiB); a larger one is answered 404. */
  maxFileBytes?: number;
}

/** Where the UI is served, as ADK serves it (its `index.html` has `<base href="./">`). */
export const DEV_UI_PATH = '/dev-ui';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves the files of ADK's Dev UI under `/dev-ui/` and redirects `/` there. A path is
 * resolved under the root and, after following links, must still be under the root's real
 * path, so neither `..` nor a symbolic link reaches outside it. Files stream from one open
 * handle (checked to be a regular file within the size bound); missing files are 404.
 */
export class DevUiFiles {
  readonly #root: string;
  readonly #maxFileBytes: number;
  #realRoot: Promise<string> | undefined;

  constructor(options: DevUiOptions) {
    if (typeof options.root !== 'string' || options.root === '') {
      throw new InvalidArgumentError('devUi.root must name a folder');
    }
    const max = options.maxFileBytes ?? 64 * 1024 * 1024;
    if (!Number.isInteger(max) || max < 1) {
      throw new InvalidArgumentError('devUi.maxFileBytes must be a positive integer');
    }
    this.#root = resolve(options.root);
    this.#maxFileBytes = max;
  }

  /**
   * The answer to a GET or HEAD of `pathname` (below the handler's base path), or undefined
   * when the path is not the UI's. `prefix` is the handler's base path, for redirects.
   */
  async answer(method: string, pathname: string, prefix: string): Promise<Response | undefined> {
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    if (pathname === '/' || pathname === DEV_UI_PATH) {
      return new Response(null, {
        status: 302,
        headers: { location: `${prefix}${DEV_UI_PATH}/` },
      });
    }
    if (!pathname.startsWith(`${DEV_UI_PATH}/`)) return undefined;
    let relative: string;
    try {
      relative = decodeURIComponent(pathname.slice(DEV_UI_PATH.length + 1));
    } catch {
      throw notFound();
    }
    if (relative === '') relative = 'index.html';
    if (relative.includes('\0') || relative.includes('\\')) throw notFound();
    if (prefix !== '' && relative === 'assets/config/runtime-config.json') {
      // Mounted under a base path, the UI must call the API there (same origin otherwise).
      return new Response(JSON.stringify({ backendUrl: prefix }), {
        headers: { 'content-type': CONTENT_TYPES['.json']!, 'cache-control': 'no-cache' },
      });
    }
    return this.#file(relative);
  }

  async #file(relative: string): Promise<Response> {
    const root = await this.#rootPath();
    const wanted = resolve(root, relative);
    if (!wanted.startsWith(root + sep)) throw notFound();
    let real: string;
    try {
      real = await realpath(wanted);
    } catch {
      throw notFound();
    }
    if (!real.startsWith(root + sep)) throw notFound();
    const handle = await open(real, 'r').catch(() => undefined);
    if (!handle) throw notFound();
    try {
      const stat = await handle.stat();
      if (!stat.isFile() || stat.size > this.#maxFileBytes) throw notFound();
      const type = CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream';
      const body = Readable.toWeb(handle.createReadStream()) as ReadableStream<Uint8Array>;
      return new Response(body, {
        headers: {
          'content-type': type,
          'content-length': String(stat.size),
          'x-content-type-options': 'nosniff',
          'cache-control': real.endsWith('.html') ? 'no-cache' : 'public, max-age=3600',
        },
      });
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * The root's real path, read once (the root itself may be a link, e.g. in a pnpm store). A
   * root that cannot be read is a server failure (500, told to `onError`), tried again next time.
   */
  #rootPath(): Promise<string> {
    this.#realRoot ??= realpath(this.#root).catch((error: unknown) => {
      this.#realRoot = undefined;
      throw error;
    });
    return this.#realRoot;
  }
}

function notFound(): HttpError {
  return new HttpError('no such file', { status: 404 });
}
