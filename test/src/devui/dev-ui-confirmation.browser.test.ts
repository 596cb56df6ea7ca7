import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ScriptedModel } from '@ferrite/core/testing';
import { FunctionTool, LlmAgent } from '@ferrite/agents';
import { Runner } from '@ferrite/runner';
import { createHandler, serve, type RunningServer } from '@ferrite/server';
import { InMemorySessionService } from '@ferrite/session';
import { devUiRoot } from './dev-ui-package.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../artifacts/devui/', import.meta.url));
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'];

const paid: unknown[] = [];
const model = new ScriptedModel([
  {
    content: {
      role: 'model',
      parts: [{ functionCall: { id: 'pay-1', name: 'pay', args: { amount: 50, to: 'acme' } } }],
    },
  },
  'Paid 50 to acme.',
]);

let server: RunningServer;
let profile: string;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];
const runBodies: unknown[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: apt-get install -y chromium (scripts/test.sh does as root)`,
    );
  }
  const root = await devUiRoot();
  await mkdir(ARTIFACTS, { recursive: true });
  const cashier = new LlmAgent({
    name: 'cashier',
    model,
    tools: [
      new FunctionTool({
        name: 'pay',
        description: 'Pays an amount to a payee',
        parameters: z.object({ amount: z.number(), to: z.string() }),
        requireConfirmation: true,
        execute: (args) => {
          paid.push(args);
          return { paid: args.amount, to: args.to };
        },
      }),
    ],
  });
  const runner = new Runner({
    appName: 'payments',
    agent: cashier,
    sessionService: new InMemorySessionService(),
  });
  server = await serve({ handler: createHandler({ apps: runner, devUi: { root } }), port: 0 });
  profile = await mkdtemp(join(tmpdir(), 'ferrite-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/run_sse') runBodies.push(request.postDataJSON());
  });
}, 180_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

describe("ADK's Dev UI: a tool that requires confirmation", () => {
  it('shows the confirmation form, sends the answer, and the tool runs', async () => {
    await page.goto(`${server.url}/`);
    await page.locator('textarea').waitFor();
    await page.locator('textarea').fill('pay acme 50');
    await page.keyboard.press('Enter');

    // The request arrives as a long-running adk_request_confirmation call: the UI shows its form
    // with the hint and the call's arguments, and the tool has not run.
    const form = page.getByText("Please approve or reject the call of tool 'pay'.");
    await form.waitFor({ timeout: 20_000 });
    const card = page.locator('div').filter({ has: form }).filter({ hasText: 'Submit' }).last();
    expect(await card.innerText()).toMatch(/amount\s*:\s*50/);
    await shot('confirm-1-asked');
    expect(paid).toEqual([]);

    // The person ticks Confirmed and submits: the answer resumes the invocation, the tool runs.
    await card.getByText('Confirmed').click();
    await card.getByRole('button', { name: 'Submit' }).click();
    await page.getByText('Paid 50 to acme.').first().waitFor({ timeout: 20_000 });
    await shot('confirm-2-answered');
    expect(paid).toEqual([{ amount: 50, to: 'acme' }]);
    expect(model.requests).toHaveLength(2);

    // What the UI sent: the function response naming the request, confirmed, with the payload.
    expect(runBodies).toHaveLength(2);
    const answer = runBodies[1] as {
      newMessage: {
        parts: { functionResponse: { id: string; name: string; response: unknown } }[];
      };
    };
    const response = answer.newMessage.parts[0]!.functionResponse;
    expect(response.name).toBe('adk_request_confirmation');
    expect(response.id).toMatch(/^adk-/);
    expect(response.response).toMatchObject({ confirmed: true });
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
