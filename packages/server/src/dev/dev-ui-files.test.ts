import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@ferrite/core';
import { echoAgent, makeRunner, startServer } from '../testing/server-fixtures.js';
import { findDevUi } from './find-dev-ui.js';

let dir: string;
let root: string;

/** GET with the path sent exactly as written (fetch would normalise `..` away). */
function rawGet(url: string, path: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferrite-devui-'));
  root = join(dir, 'browser');
  await mkdir(join(root, 'assets', 'config'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<base href="./"><app-root></app-root>');
  await writeFile(join(root, 'main-1.js'), 'console.log(1)');
  await writeFile(join(root, 'styles.css'), 'body{}');
  await writeFile(join(root, 'logo.svg'), '<svg/>');
  await writeFile(join(root, 'assets', 'config', 'runtime-config.json'), '{"backendUrl":""}');
  await writeFile(join(dir, 'secret.txt'), 'do not serve');
  await symlink(join(dir, 'secret.txt'), join(root, 'leak.txt'));
  await symlink(dir, join(root, 'up'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Dev UI files', () => {
  it('redirects / to /dev-ui/ and serves files with their content types', async () => {
    await using server = await startServer({ apps: makeRunner(echoAgent()), devUi: { root } });
    const home = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/dev-ui/');
    const bare = await fetch(`${server.url}/dev-ui`, { redirect: 'manual' });
    expect(bare.headers.get('location')).toBe('/dev-ui/');
    const index = await fetch(`${server.url}/dev-ui/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<app-root>');
    const types = async (path: string) =>
      (await fetch(`${server.url}/dev-ui/${path}`)).headers.get('content-type');
    expect(await types('main-1.js')).toBe('text/javascript; charset=utf-8');
    expect(await types('styles.css')).toBe('text/css; charset=utf-8');
    expect(await types('logo.svg')).toBe('image/svg+xml');
    expect(await types('assets/config/runtime-config.json')).toBe(
      'application/json; charset=utf-8',
    );
    const head = await fetch(`${server.url}/dev-ui/main-1.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('14');
    expect((await fetch(`${server.url}/dev-ui/missing.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/dev-ui/assets`)).status).toBe(404);
    // The API is still there.
    expect((await fetch(`${server.url}/list-apps`)).status).toBe(200);
  });

  it('never serves a file outside the folder: .. segments, encoded ones, links out', async () => {
    await using server = await startServer({ apps: makeRunner(echoAgent()), devUi: { root } });
    for (const path of [
      '/dev-ui/../secret.txt',
      '/dev-ui/..%2fsecret.txt',
      '/dev-ui/%2e%2e%2fsecret.txt',
      '/dev-ui/..%5csecret.txt',
      '/dev-ui/leak.txt',
      '/dev-ui/up/secret.txt',
      '/dev-ui/%00index.html',
      '/dev-ui/%E0%A4%A',
    ]) {
      const answer = await rawGet(server.url, path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.body).not.toContain('do not serve');
    }
  });

  it('tells the UI the API path when mounted under a base path', async () => {
    await using server = await startServer({
      apps: makeRunner(echoAgent()),
      devUi: { root },
      basePath: '/api',
    });
    const home = await fetch(`${server.url}/api/`, { redirect: 'manual' });
    expect(home.headers.get('location')).toBe('/api/dev-ui/');
    const config = await fetch(`${server.url}/api/dev-ui/assets/config/runtime-config.json`);
    expect(await config.json()).toEqual({ backendUrl: '/api' });
    expect((await fetch(`${server.url}/api/dev-ui/main-1.js`)).status).toBe(200);
  });

  it('answers 404 at /dev-ui/ when no folder is configured', async () => {
    await using server = await startServer({ apps: makeRunner(echoAgent()) });
    expect((await fetch(`${server.url}/dev-ui/`)).status).toBe(404);
    expect((await fetch(`${server.url}/`)).status).toBe(404);
  });

  it('finds a folder named by the user, and says how to get the UI when there is none', async () => {
    expect(await findDevUi({ dir: root })).toBe(root);
    await expect(findDevUi({ dir })).rejects.toThrow(InvalidArgumentError);
    await expect(findDevUi({ from: [dir] })).rejects.toThrow(/npm pack @google\/adk-devtools/);
  });

  it('finds an installed @google/adk-devtools without importing it', async () => {
    const project = join(dir, 'project');
    const pkg = join(project, 'node_modules', '@google', 'adk-devtools');
    await mkdir(join(pkg, 'dist', 'browser'), { recursive: true });
    await mkdir(join(pkg, 'dist', 'cjs'), { recursive: true });
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: '@google/adk-devtools',
        version: '2.0.0',
        exports: { '.': { require: './dist/cjs/index.js', default: './dist/cjs/index.js' } },
      }),
    );
    // Importing it would throw: the resolver only locates the package.
    await writeFile(join(pkg, 'dist', 'cjs', 'index.js'), 'throw new Error("imported")');
    await writeFile(join(pkg, 'dist', 'browser', 'index.html'), '<app-root></app-root>');
    expect(await findDevUi({ from: [project] })).toBe(join(pkg, 'dist', 'browser'));
  });
});
