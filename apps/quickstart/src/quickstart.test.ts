import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function runQuickstart(
  input: string,
  cwdEnv: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Exactly the README's command: `pnpm quickstart` runs `bash scripts/quickstart.sh`.
    const child = spawn('bash', ['scripts/quickstart.sh'], {
      cwd: ROOT,
      env: { ...process.env, ...cwdEnv },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('quickstart', () => {
  it('answers a piped line with a transfer and a tool call, offline', async () => {
    const artifacts = mkdtempSync(join(tmpdir(), 'quickstart-'));
    const env = { OPENAI_API_KEY: '', OPENAI_BASE_URL: '', ARTIFACTS_DIR: artifacts };
    const { code, stdout, stderr } = await runQuickstart(
      'remember to water the plants\nconvert 10 km to miles\n',
      env,
    ).finally(() => rmSync(artifacts, { recursive: true, force: true }));
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('demo model');
    expect(stdout).toContain('⇒ front_desk transfers to notes_clerk');
    expect(stdout).toContain('→ add_note({"text":"to water the plants"})');
    expect(stdout).toMatch(
      /\[notes_clerk\] Noted "to water the plants"\. You have 1 note\(s\); they are saved as the artifact notes\.md/,
    );
    expect(stdout).toContain('⇒ notes_clerk transfers to converter');
    expect(stdout).toContain('→ convert_units(');
    expect(stdout).toContain('[converter] 10 km is 6.21 mi.');
  }, 120_000);
});
