import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { InMemoryArtifactService } from '@ferrite/artifact';
import { createDesk, DemoModel } from '@ferrite/quickstart';
import { Runner } from '@ferrite/runner';
import { SpanStore, createHandler, serve, type RunningServer } from '@ferrite/server';
import { InMemorySessionService } from '@ferrite/session';
import { devUiRoot } from './dev-ui-package.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../artifacts/devui/', import.meta.url));
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Seen {
  method: string;
  path: string;
  status: number;
}

let root: string;
let server: RunningServer;
let spans: SpanStore;
let profile: string;
let context: BrowserContext;
let page: Page;
const seen: Seen[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: apt-get install -y chromium (scripts/test.sh does as root)`,
    );
  }
  root = await devUiRoot();
  await mkdir(ARTIFACTS, { recursive: true });
  // The quickstart's desk on its offline model, traced through an SDK registered in this process.
  spans = new SpanStore();
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [spans] }));
  const runner = new Runner({
    appName: 'quickstart',
    agent: createDesk(new DemoModel()),
    sessionService: new InMemorySessionService(),
    artifactService: new InMemoryArtifactService(),
  });
  server = await serve({
    handler: createHandler({ apps: runner, devUi: { root }, spanStore: spans }),
    port: 0,
  });
  profile = await mkdtemp(join(tmpdir(), 'ferrite-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.origin !== new URL(server.url).origin) return;
    seen.push({
      method: response.request().method(),
      path: url.pathname + url.search,
      status: response.status(),
    });
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
}, 180_000);

afterAll(async () => {
  await writeFile(join(ARTIFACTS, 'responses.json'), `${JSON.stringify(seen, null, 2)}\n`);
  await context?.close();
  await server?.close();
  trace.disable();
  if (profile) await rm(profile, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

describe("ADK's Dev UI against a Ferrite server", () => {
  it('chats, shows the traces, the graph and the session list, and meets no failing call', async () => {
    const graphs = page.waitForResponse((r) => r.url().includes('/build_graph_image'));
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/dev-ui/');
    await graphs;
    await page.locator('textarea').waitFor();
    await shot('1-loaded');

    // A turn through the UI: a transfer to the converter and a tool call, streamed.
    const traced = page.waitForResponse((r) => r.url().includes('/debug/trace/session/'));
    await page.locator('textarea').fill('convert 10 km to mi');
    await page.keyboard.press('Enter');
    await page.getByText(/6\.21/).first().waitFor({ timeout: 20_000 });
    await traced;
    await shot('2-answered');

    // The Traces tab: the invocation's spans with their durations.
    await page.getByText('Traces', { exact: true }).click();
    const tree = page.locator('app-trace-tree').first();
    await tree.waitFor();
    await page
      .getByText(/Total latency:/)
      .first()
      .waitFor();
    await shot('3-traces');
    const traceText = await tree.innerText();
    expect(traceText).toContain('front_desk');
    expect(traceText).toContain('convert_units');
    expect(traceText).toMatch(/chat demo-model/);
    const latency = /Total latency: ([\d.]+)(ms|us|s)/.exec(traceText);
    expect(latency, traceText).not.toBeNull();
    expect(Number(latency![1])).toBeGreaterThan(0);
    const durations = [...traceText.matchAll(/([\d.]+)(ms|us)\b/g)].map((m) => Number(m[1]));
    expect(durations.length).toBeGreaterThan(3);
    for (const duration of durations) expect(duration).toBeGreaterThan(0);

    // The agent graph, rendered by the UI from the DOT the server sends.
    await page.locator('button:has-text("account_tree")').first().click();
    const dialog = page.locator('app-agent-structure-graph-dialog');
    await dialog.locator('svg').first().waitFor();
    await page.waitForTimeout(300);
    await shot('4-graph');
    const graphText = await dialog.innerText();
    for (const name of ['front_desk', 'converter', 'notes_clerk', 'convert_units']) {
      expect(graphText).toContain(name);
    }
    await dialog.locator('button:has-text("close")').first().click();
    await dialog.waitFor({ state: 'detached' });

    // The session list dates the session today (the wire sends seconds).
    const today = await page.evaluate(() => new Date().toLocaleString().split(',')[0]!);
    // The session selector of the toolbar (the second drop-down, after the app's).
    await page.locator('button:has-text("arrow_drop_down")').nth(1).click();
    await page.getByText(today, { exact: false }).first().waitFor({ timeout: 10_000 });
    await shot('5-sessions');

    expect(pageErrors).toEqual([]);
    // Every call the UI made was answered, but its agent builder (which ADK's own server lacks
    // too) and a stylesheet its package does not ship.
    const failing = seen.filter(
      (call) =>
        call.status >= 400 &&
        !/^\/dev\/apps\/[^/]+\/builder(\?|$)/.test(call.path) &&
        call.path !== '/dev-ui/prism-dark.css',
    );
    expect(failing).toEqual([]);
    expect(existsSync(join(root, 'prism-dark.css'))).toBe(false);
    const paths = seen.map((call) => call.path.replace(/\?.*$/, ''));
    for (const route of [
      '/version',
      '/list-apps',
      '/dev/apps/quickstart/build_graph',
      '/dev/apps/quickstart/build_graph_image',
      '/dev/apps/quickstart/eval_sets',
      '/dev/apps/quickstart/eval_results',
      '/run_sse',
    ]) {
      expect(paths).toContain(route);
    }
    expect(paths.some((path) => path.startsWith('/dev/apps/quickstart/debug/trace/session/'))).toBe(
      true,
    );
  }, 120_000);
});
