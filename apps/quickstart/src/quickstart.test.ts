import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Transcript {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Files written under the artifacts directory, relative to it. */
  files: string[];
}

/** Runs the quickstart exactly as the README's first command does: `npm run quickstart`. */
async function runQuickstart(input: string, env: Record<string, string>): Promise<Transcript> {
  const artifacts = mkdtempSync(join(tmpdir(), 'quickstart-'));
  try {
    const transcript = await new Promise<Omit<Transcript, 'files'>>((resolve, reject) => {
      const child = spawn('npm', ['run', 'quickstart'], {
        cwd: ROOT,
        env: {
          ...process.env,
          OPENAI_API_KEY: '',
          OPENAI_BASE_URL: '',
          OPENAI_MODEL: '',
          ARTIFACTS_DIR: artifacts,
          ...env,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input);
    });
    const files = readdirSync(artifacts, { recursive: true }).map(String);
    return { ...transcript, files };
  } finally {
    rmSync(artifacts, { recursive: true, force: true });
  }
}

describe('quickstart', () => {
  it('answers piped lines offline with transfers, tool calls and an agent used as a tool on the demo model', async () => {
    const { code, stdout, stderr, files } = await runQuickstart(
      'remember to water the plants\nconvert 10 km to miles\nwhat is 12 * (3 + 4)\n',
      {},
    );
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('model: the demo model');
    expect(stdout).toContain("Ferrite chat — app 'quickstart', agent 'front_desk'");
    expect(stdout).toContain('⇒ front_desk transfers to notes_clerk');
    expect(stdout).toContain('→ add_note({"text":"water the plants"})');
    expect(stdout).toMatch(
      /\[notes_clerk\] Noted "water the plants"\. You have 1 note\(s\); they are saved as the artifact notes\.md \(version 0\)\./,
    );
    expect(stdout).toContain('⇒ notes_clerk transfers to converter');
    expect(stdout).toContain('→ convert_units({"value":10,"from":"km","to":"mi"})');
    expect(stdout).toContain('[converter] 10 km is 6.21 mi.');
    // Arithmetic goes back to the front desk, which asks the calculator agent (an agent used as a
    // tool, taking its input schema's { expression }); the calculator runs its own tool.
    expect(stdout).toContain('⇒ converter transfers to front_desk');
    expect(stdout).toContain('→ calculator({"expression":"12 * (3 + 4)"})');
    expect(stdout).toContain('→ calculate({"expression":"12 * (3 + 4)"})');
    expect(stdout).toContain('[calculator] 12 * (3 + 4) = 84.');
    expect(stdout).toContain('← calculator: {"result":"12 * (3 + 4) = 84."}');
    expect(stdout).toContain('[front_desk] The calculator says: 12 * (3 + 4) = 84.');
    expect(files.some((file) => file.includes('notes.md'))).toBe(true);
  }, 120_000);

  it('uses an OpenAI-compatible server named by OPENAI_BASE_URL instead', async () => {
    // A scripted stand-in for a chat-completions server (no real model runs here): it answers
    // the router with a transfer, the clerk with an add_note call, then with text.
    const requests: { authorization?: string; body: CompletionRequest }[] = [];
    const server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        const body = JSON.parse(raw) as CompletionRequest;
        requests.push({ authorization: req.headers.authorization, body });
        answer(body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const { code, stdout, stderr } = await runQuickstart('please remember the plumber\n', {
        OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
        OPENAI_API_KEY: 'sk-test',
        OPENAI_MODEL: 'desk-model',
      });
      expect(code, stderr).toBe(0);
      expect(stderr).toContain(`model: desk-model at http://127.0.0.1:${port}/v1`);
      expect(stdout).toContain('⇒ front_desk transfers to notes_clerk');
      expect(stdout).toContain('→ add_note({"text":"call the plumber"})');
      expect(stdout).toContain('[notes_clerk] Saved: call the plumber (1 note)');
      expect(requests).toHaveLength(3);
      for (const { authorization, body } of requests) {
        expect(authorization).toBe('Bearer sk-test');
        expect(body.model).toBe('desk-model');
        expect(body.stream).toBe(true);
      }
      expect(requests[0]!.body.messages[0]!.content).toContain('You are the front desk');
      expect(toolNames(requests[1]!.body)).toEqual(
        expect.arrayContaining(['add_note', 'list_notes']),
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }, 120_000);

  it('serves the desk with the ferrite command, which a chat start never loads', async () => {
    const artifacts = mkdtempSync(join(tmpdir(), 'quickstart-serve-'));
    // scripts/quickstart.sh is what `npm run quickstart` runs; it builds the bundle when stale and
    // execs node, so the signal below reaches node itself.
    const child = spawn('bash', ['scripts/quickstart.sh', 'serve', '--port', '0'], {
      cwd: ROOT,
      env: {
        ...process.env,
        OPENAI_API_KEY: '',
        OPENAI_BASE_URL: '',
        DATABASE_URL: '',
        FERRITE_SESSIONS: '',
        REDIS_URL: '',
        S3_BUCKET: '',
        QDRANT_URL: '',
        AUTH_TOKEN: '',
        ARTIFACTS_DIR: artifacts,
      },
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const found = /listening on (http:\/\/\S+)\napp: .*\n/.exec(output)?.[1];
          if (found) resolve(found);
        });
        child.on('exit', () => reject(new Error(`the quickstart exited:\n${output}`)));
      });
      expect(output).toContain('app: quickstart; sessions: in memory; artifacts: files under');
      expect(await (await fetch(`${url}/ready`)).json()).toEqual({ status: 'ready', checks: {} });
      const ran = await fetch(`${url}/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          appName: 'quickstart',
          userId: 'u1',
          sessionId: 's1',
          newMessage: { role: 'user', parts: [{ text: 'convert 10 km to miles' }] },
        }),
      });
      expect(JSON.stringify(await ran.json())).toContain('10 km is 6.21 mi.');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('stopped');

      // What a chat start loads: the bundle's first file and the chunks it imports statically.
      // None of them holds the CLI; only the dynamic import of `serve` reaches it.
      const loaded = new Set<string>();
      const visit = (file: string): void => {
        if (loaded.has(file)) return;
        loaded.add(file);
        const code = readFileSync(file, 'utf8');
        for (const [, path] of code.matchAll(/^import (?:[^;]*? from )?"(\.[^"]+)";?$/gm)) {
          visit(join(dirname(file), path!));
        }
      };
      visit(join(ROOT, 'apps/quickstart/dist/quickstart.mjs'));
      expect(loaded.size).toBeGreaterThan(1);
      for (const file of loaded) {
        expect(readFileSync(file, 'utf8'), file).not.toContain('start-up check failed');
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(artifacts, { recursive: true, force: true });
    }
  }, 120_000);
});

interface CompletionRequest {
  model: string;
  stream?: boolean;
  messages: { role: string; content?: unknown }[];
  tools?: { function: { name: string } }[];
}

function toolNames(body: CompletionRequest): string[] {
  return (body.tools ?? []).map((tool) => tool.function.name);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let raw = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => resolve(raw));
    req.on('error', reject);
  });
}

/** Streams one scripted chat-completions answer as the OpenAI API does. */
function answer(body: CompletionRequest, res: ServerResponse): void {
  const last = body.messages.at(-1);
  const tools = toolNames(body);
  const chunk = (delta: object, finish: string | null = null): string =>
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const frames: string[] = [];
  if (last?.role === 'tool') {
    const result = JSON.parse(String(last.content)) as { note: string; count: number };
    frames.push(chunk({ role: 'assistant', content: 'Saved: ' }));
    frames.push(chunk({ content: `${result.note} (${result.count} note)` }, 'stop'));
  } else {
    const call = tools.includes('add_note')
      ? { name: 'add_note', arguments: JSON.stringify({ text: 'call the plumber' }) }
      : { name: 'transfer_to_agent', arguments: JSON.stringify({ agent_name: 'notes_clerk' }) };
    frames.push(
      chunk(
        {
          role: 'assistant',
          tool_calls: [{ index: 0, id: `call_${tools.length}`, type: 'function', function: call }],
        },
        'tool_calls',
      ),
    );
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(`${frames.join('')}data: [DONE]\n\n`);
}
