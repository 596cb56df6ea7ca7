import { describe, it, expect, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { InMemoryArtifactService } from '@ferrite/artifact';
import { createEvent, type Agent, type Session } from '@ferrite/core';
import { Runner } from '@ferrite/runner';
import { createHandler, serve, type RunningServer } from '@ferrite/server';
import { InMemorySessionService } from '@ferrite/session';
import { createAuthorizer, readAuthConfig } from '@ferrite/cli';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const SECRET = 'a-shared-secret-of-at-least-32-bytes!';
const ISSUER = 'https://login.example';
const AUDIENCE = 'ferrite-desk';

/** An agent that answers every message with one stored event. */
const replyAgent: Agent = {
  name: 'desk',
  description: 'answers once',
  subAgents: [],
  run: async function* () {
    yield createEvent({ content: { role: 'model', parts: [{ text: 'noted' }] } });
  },
};

/** Serves a runner on 127.0.0.1:0 with the app's authorizer for these `AUTH_*` settings. */
async function serveWith(env: Record<string, string>): Promise<{
  server: RunningServer;
  runner: Runner;
}> {
  const auth = readAuthConfig((name) => env[name]);
  if (!auth) throw new Error('no auth configured');
  const runner = new Runner({
    appName: 'desk',
    agent: replyAgent,
    sessionService: new InMemorySessionService(),
    artifactService: new InMemoryArtifactService(),
  });
  const handler = createHandler({
    apps: runner,
    authorize: createAuthorizer(auth),
    otherUser: 'forbid',
  });
  return { server: await serve({ handler, port: 0 }), runner };
}

interface TokenOptions {
  subject?: string;
  issuer?: string;
  audience?: string;
  expiresIn?: string | number;
}

function hsToken(options: TokenOptions = {}, secret = SECRET): Promise<string> {
  return claims(options)
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
}

function claims(options: TokenOptions): SignJWT {
  return new SignJWT({})
    .setSubject(options.subject ?? 'alice')
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m');
}

function call(
  server: RunningServer,
  path: string,
  token: string | undefined,
  init: { method?: string; body?: unknown } = {},
): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

const runBody = (userId: string | undefined, sessionId: string) => ({
  appName: 'desk',
  ...(userId !== undefined ? { userId } : {}),
  sessionId,
  newMessage: { role: 'user', parts: [{ text: 'remember the keys' }] },
});

/** Seeds bob's session with a run and an artifact, straight through the services. */
async function seedBob(runner: Runner): Promise<void> {
  const scope = { appName: 'desk', userId: 'bob', sessionId: 'b1' };
  await runner.sessionService.createSession(scope);
  await runner.artifactService!.saveArtifact({
    ...scope,
    filename: 'secret.txt',
    artifact: { text: "bob's notes" },
  });
}

/** Alice (holding `token`) tries five ways into bob's data; each is 403 and nothing changes. */
async function expectBobUntouchable(
  server: RunningServer,
  runner: Runner,
  token: string,
): Promise<void> {
  const bob = '/apps/desk/users/bob/sessions';
  const attempts: [string, Promise<Response>][] = [
    ['list his sessions', call(server, bob, token)],
    ['read his session', call(server, `${bob}/b1`, token)],
    ['read his artifact', call(server, `${bob}/b1/artifacts/secret.txt`, token)],
    [
      'run in his session',
      call(server, '/run', token, { method: 'POST', body: runBody('bob', 'b1') }),
    ],
    ['delete his session', call(server, `${bob}/b1`, token, { method: 'DELETE' })],
    [
      'delete his artifact',
      call(server, `${bob}/b1/artifacts/secret.txt`, token, { method: 'DELETE' }),
    ],
    [
      'stream a run in his session',
      call(server, '/run_sse', token, { method: 'POST', body: runBody('bob', 'b1') }),
    ],
  ];
  for (const [label, pending] of attempts) {
    const response = await pending;
    expect(response.status, label).toBe(403);
    expect(await response.json(), label).toEqual({
      error: expect.stringContaining('"bob"'),
      code: 'user.forbidden',
    });
  }
  const session = await runner.sessionService.getSession({
    appName: 'desk',
    userId: 'bob',
    sessionId: 'b1',
  });
  expect(session?.events).toEqual([]);
  expect(
    await runner.artifactService!.listArtifactKeys({
      appName: 'desk',
      userId: 'bob',
      sessionId: 'b1',
    }),
  ).toEqual(['secret.txt']);
}

/** Alice works in her own sessions: create, run (named or not), list, read, artifacts. */
async function expectAliceAtHome(server: RunningServer, token: string): Promise<void> {
  const own = '/apps/desk/users/alice/sessions';
  expect(
    (await call(server, own, token, { method: 'POST', body: { sessionId: 'a1' } })).status,
  ).toBe(200);
  expect(
    (await call(server, '/run', token, { method: 'POST', body: runBody('alice', 'a1') })).status,
  ).toBe(200);
  // A body that names no user runs as the token's user.
  expect(
    (await call(server, '/run', token, { method: 'POST', body: runBody(undefined, 'a1') })).status,
  ).toBe(200);
  const listed = (await (await call(server, own, token)).json()) as Session[];
  expect(listed.map((session) => session.id)).toEqual(['a1']);
  const session = (await (await call(server, `${own}/a1`, token)).json()) as Session;
  expect(session.userId).toBe('alice');
  expect(session.events.map((event) => event.author)).toEqual(['user', 'desk', 'user', 'desk']);
  expect((await call(server, `${own}/a1/artifacts`, token)).status).toBe(200);
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('server app authentication', () => {
  it('HS256 JWTs: the subject is the user; other users are 403; bad tokens are 401', async () => {
    const { server, runner } = await serveWith({
      AUTH_JWT_SECRET: SECRET,
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
    });
    cleanups.push(() => server.close());
    await seedBob(runner);
    const alice = await hsToken();
    await expectAliceAtHome(server, alice);
    await expectBobUntouchable(server, runner, alice);

    const refused: [string, string | undefined][] = [
      ['no token', undefined],
      ['expired', await hsToken({ expiresIn: Math.floor(Date.now() / 1000) - 120 })],
      ['wrong issuer', await hsToken({ issuer: 'https://elsewhere.example' })],
      ['wrong audience', await hsToken({ audience: 'another-app' })],
      ['bad signature', await hsToken({}, 'another-secret-that-is-32-bytes-long!!')],
      ['not a JWT', 'let-me-in'],
    ];
    for (const [label, token] of refused) {
      const response = await call(server, '/apps/desk/users/alice/sessions', token);
      expect(response.status, label).toBe(401);
      expect(((await response.json()) as { code: string }).code, label).toBe('unauthorized');
    }
    const expired = await call(server, '/list-apps', refused[1]![1]);
    expect(await expired.json()).toEqual({ error: 'the token has expired', code: 'unauthorized' });
    // An unsigned token (alg "none") is no way around the signature.
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'bob', iss: ISSUER, aud: AUDIENCE, exp: Date.now() / 1000 + 60 }),
    ).toString('base64url')}.`;
    expect((await call(server, '/apps/desk/users/bob/sessions', unsigned)).status).toBe(401);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('RS256 JWTs verified against the keys of a JWKS URL', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    let jwksRequests = 0;
    const jwks: Server = createServer((_request, response) => {
      jwksRequests += 1;
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => jwks.close(resolve)));
    const { port } = jwks.address() as AddressInfo;
    const { server, runner } = await serveWith({
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
    });
    cleanups.push(() => server.close());
    await seedBob(runner);
    const sign = (key: Parameters<SignJWT['sign']>[0], options: TokenOptions = {}) =>
      claims(options).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }).sign(key);
    const alice = await sign(privateKey);
    await expectAliceAtHome(server, alice);
    await expectBobUntouchable(server, runner, alice);
    expect(jwksRequests).toBeGreaterThan(0);

    const impostor = await generateKeyPair('RS256');
    const refused: [string, string][] = [
      ['expired', await sign(privateKey, { expiresIn: Math.floor(Date.now() / 1000) - 120 })],
      ['wrong issuer', await sign(privateKey, { issuer: 'https://elsewhere.example' })],
      ['wrong audience', await sign(privateKey, { audience: 'another-app' })],
      ['bad signature', await sign(impostor.privateKey)],
      // A secret-signed token must not pass where public keys are expected.
      ['HS256 instead of RS256', await hsToken()],
    ];
    for (const [label, token] of refused) {
      const response = await call(server, '/apps/desk/users/alice/sessions', token);
      expect(response.status, label).toBe(401);
      expect(((await response.json()) as { code: string }).code, label).toBe('unauthorized');
    }
  });

  it('answers 503, not 401 and not a crash, while the JWKS URL is unreachable', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { server } = await serveWith({
      AUTH_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
    });
    cleanups.push(() => server.close());
    const { privateKey } = await generateKeyPair('RS256');
    const token = await claims({}).setProtectedHeader({ alg: 'RS256', kid: 'k' }).sign(privateKey);
    const response = await call(server, '/apps/desk/users/alice/sessions', token);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { code: string }).code).toBe('unavailable');
  });

  it('static token mode: constant-time check, open to any user unless AUTH_TOKEN_USER binds one', async () => {
    const { server } = await serveWith({ AUTH_TOKEN: 'let-me-in' });
    cleanups.push(() => server.close());
    for (const token of [undefined, 'let-me-out', 'let-me-in-please', 'l']) {
      expect((await call(server, '/list-apps', token)).status, String(token)).toBe(401);
    }
    const lowerCaseScheme = await fetch(`${server.url}/list-apps`, {
      headers: { authorization: 'bearer let-me-in' },
    });
    expect(lowerCaseScheme.status).toBe(200);
    for (const user of ['alice', 'bob']) {
      const body = runBody(user, 's1');
      expect((await call(server, '/run', 'let-me-in', { method: 'POST', body })).status).toBe(200);
    }

    const bound = await serveWith({ AUTH_TOKEN: 'let-me-in', AUTH_TOKEN_USER: 'alice' });
    cleanups.push(() => bound.server.close());
    await seedBob(bound.runner);
    await expectAliceAtHome(bound.server, 'let-me-in');
    await expectBobUntouchable(bound.server, bound.runner, 'let-me-in');
  });

  it('refuses contradictory or weak settings', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        {
          AUTH_TOKEN: 't',
          AUTH_JWT_SECRET: SECRET,
          AUTH_JWT_ISSUER: ISSUER,
          AUTH_JWT_AUDIENCE: AUDIENCE,
        },
        /choose one/,
      ],
      [
        {
          AUTH_JWT_SECRET: SECRET,
          AUTH_JWKS_URL: 'https://x',
          AUTH_JWT_ISSUER: ISSUER,
          AUTH_JWT_AUDIENCE: AUDIENCE,
        },
        /not both/,
      ],
      [{ AUTH_JWT_SECRET: SECRET, AUTH_JWT_AUDIENCE: AUDIENCE }, /AUTH_JWT_ISSUER is required/],
      [{ AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: ISSUER }, /AUTH_JWT_AUDIENCE is required/],
      [
        { AUTH_JWT_SECRET: 'short', AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE },
        /at least 32 bytes/,
      ],
      [
        {
          AUTH_JWKS_URL: 'login.example/jwks',
          AUTH_JWT_ISSUER: ISSUER,
          AUTH_JWT_AUDIENCE: AUDIENCE,
        },
        /http\(s\) URL/,
      ],
      [{ AUTH_TOKEN_USER: 'alice' }, /AUTH_TOKEN is not/],
      [{ AUTH_JWT_ISSUER: ISSUER }, /neither/],
    ];
    for (const [env, message] of cases) {
      expect(() => readAuthConfig((name) => env[name]), JSON.stringify(env)).toThrow(message);
    }
  });
});

describe('server app process', () => {
  it('verifies JWTs and checks Host as its environment says', async () => {
    const artifacts = mkdtempSync(join(tmpdir(), 'server-app-auth-'));
    cleanups.push(async () => rmSync(artifacts, { recursive: true, force: true }));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@ferrite/source', MAIN],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          PORT: '0',
          HOST: '127.0.0.1',
          DATABASE_URL: '',
          S3_BUCKET: '',
          S3_ENDPOINT: '',
          QDRANT_URL: '',
          OPENAI_API_KEY: '',
          OPENAI_BASE_URL: '',
          OPENAI_EMBEDDING_MODEL: '',
          AUTH_TOKEN: '',
          ARTIFACTS_DIR: artifacts,
          AUTH_JWT_SECRET: SECRET,
          AUTH_JWT_ISSUER: ISSUER,
          AUTH_JWT_AUDIENCE: AUDIENCE,
          ALLOWED_HOSTS: 'desk.example',
        },
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (data: string) => (output += data));
    child.stderr.setEncoding('utf8').on('data', (data: string) => (output += data));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', () => {
        const found = /listening on (http:\/\/\S+)/.exec(output)?.[1];
        // The configuration line follows the address.
        if (found && /auth: .*\n/.test(output)) resolve(found);
      });
      child.on('exit', () => reject(new Error(`the server exited:\n${output}`)));
    });
    expect(output).toContain('auth: JWT (shared secret, issuer https://login.example)');
    expect(output).not.toContain(SECRET);
    const alice = await hsToken();
    const headers = { authorization: `Bearer ${alice}`, 'content-type': 'application/json' };
    const own = await fetch(`${url}/apps/quickstart/users/alice/sessions`, { headers });
    expect(own.status).toBe(200);
    const other = await fetch(`${url}/apps/quickstart/users/bob/sessions`, { headers });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { code: string }).code).toBe('user.forbidden');
    expect((await fetch(`${url}/list-apps`)).status).toBe(401);

    const port = new URL(url).port;
    const withHost = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest(
          { host: '127.0.0.1', port, path: '/health', headers: { host }, setHost: false },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        request.on('error', reject);
        request.end();
      });
    expect(await withHost('desk.example')).toBe(200);
    expect(await withHost('evil.example')).toBe(403);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
