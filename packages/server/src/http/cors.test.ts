import { describe, expect, it } from 'vitest';
import {
  echoAgent,
  makeRunner,
  postJson,
  readSse,
  startServer,
} from '../testing/server-fixtures.js';

const ORIGIN = 'https://ui.example';
const RUN = {
  appName: 'app',
  userId: 'u1',
  newMessage: { role: 'user', parts: [{ text: 'hi' }] },
};

/** The header names of a comma-separated CORS list, lower-cased. */
const listOf = (value: string | null): string[] =>
  (value ?? '').split(',').map((name) => name.trim().toLowerCase());

describe('CORS over HTTP', () => {
  it('lets a page of an allowed origin read the invocation id of a run, streamed or not, and send x-ferrite-detach', async () => {
    const runner = makeRunner(echoAgent());
    await using server = await startServer({ apps: runner, cors: { origin: [ORIGIN] } });

    const preflight = await fetch(`${server.url}/run_sse`, {
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-ferrite-detach',
      },
    });
    expect(preflight.status).toBe(204);
    expect(listOf(preflight.headers.get('access-control-allow-headers'))).toEqual(
      expect.arrayContaining(['content-type', 'x-ferrite-detach']),
    );

    const streamed = await postJson(
      `${server.url}/run_sse`,
      { ...RUN, sessionId: 's1', streaming: true },
      { headers: { origin: ORIGIN, 'x-ferrite-detach': 'true' } },
    );
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(streamed.headers.get('x-ferrite-invocation-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(listOf(streamed.headers.get('access-control-expose-headers'))).toEqual(
      expect.arrayContaining(['x-ferrite-invocation-id', 'x-next-cursor']),
    );
    await readSse(streamed);

    const plain = await postJson(
      `${server.url}/run`,
      { ...RUN, sessionId: 's2' },
      {
        headers: { origin: ORIGIN },
      },
    );
    expect(plain.status).toBe(200);
    expect(listOf(plain.headers.get('access-control-expose-headers'))).toContain(
      'x-ferrite-invocation-id',
    );
    await plain.arrayBuffer();
  });

  it('exposes nothing to an origin it does not allow', async () => {
    await using server = await startServer({
      apps: makeRunner(echoAgent()),
      cors: { origin: [ORIGIN] },
    });
    const response = await fetch(`${server.url}/list-apps`, {
      headers: { origin: 'https://other.example' },
    });
    expect(response.headers.get('access-control-expose-headers')).toBeNull();
    await response.arrayBuffer();
  });
});
