import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { type Browser, type FrameLocator, type Locator, type Page, chromium } from 'playwright-core';
import { debianSources } from './goSources';
import { languagePackVsix } from './languagePack';
import { repoRoot, testOutput } from './paths';
import { upstreamSources } from './upstreamSources';

/**
 * A real VS Code for end-to-end tests: code-server (the VS Code workbench and extension host) with the
 * packaged .vsix installed into a fresh profile, opened on a copy of a sample workspace, driven by
 * Debian's Chromium through Playwright. Every step can save a screenshot under test-output/e2e/<name>/.
 */
export interface VsCodeSession {
  page: Page;
  workspace: string;
  outDir: string;
  /** Saves test-output/e2e/<name>/NN-<step>.png and returns its path. */
  screenshot(step: string): Promise<string>;
  /** Runs a command by its palette title, as a person would: F1, type, Enter. */
  runCommand(title: string): Promise<void>;
  /** "Runtime Lens: Diagnose" from the palette, then "The workspace's logs" clicked in the scope pick. */
  diagnoseWorkspace(): Promise<void>;
  /** Opens a workspace file through Quick Open (Ctrl+P). */
  openFile(relativePath: string): Promise<void>;
  /** The webview panel's document (two nested iframes), for panels opened by the extension. */
  /** A webview's content: Runtime Lens's own panel, or another extension's (the Markdown preview: `vscode.markdown-language-features`). */
  webview(extensionId?: string): FrameLocator;
  /** Changes a user setting by editing settings.json, as a person would; the workbench picks it up. */
  setSetting(key: string, value: unknown): void;
  /** The extension's log (the "Runtime Lens" output channel) as code-server wrote it under the profile. */
  extensionLog(): string;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** Name of the test; names the screenshot folder. */
  name: string;
  /** Folder under samples/ copied as the workspace. */
  sample: string;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  /** Give the extension Debian's Go sources (fetched once, cached) as runtimeLens.sourceRoots. */
  goSources?: boolean;
  /**
   * Instead: these upstream trees of ../shared/sources (upstream-sources.sh; e.g. runc-v1.3.0) beside
   * Debian's kubernetes 1.20.2, as runtimeLens.sourceRoots.
   */
  upstreamTrees?: string[];
  /** The display language, as code-server's --locale (e.g. `zh-cn`), with a language pack for it (languagePack.ts); English when unset. */
  locale?: string;
  /** Another packaging of Runtime Lens to install instead of dist/runtime-lens.vsix (the README with an image base URL). */
  vsix?: string;
  /** More Chromium flags (a test's own HTTPS server: --ignore-certificate-errors). */
  browserArgs?: string[];
}

const vsix = path.join(repoRoot, 'dist', 'runtime-lens.vsix');

function provisionCodeServer(): string {
  return execFileSync('bash', [path.join(repoRoot, 'test', 'harness', 'code-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

export function codeServerCommand(prefix: string): { node: string; entry: string } {
  return {
    node: path.join(prefix, '..', 'node24', 'node_modules', 'node', 'bin', 'node'),
    entry: path.join(prefix, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode} before serving ${url}`);
    const ok = await new Promise<boolean>((resolve) => {
      http
        .get(url, (res) => {
          res.resume();
          resolve((res.statusCode ?? 500) < 500);
        })
        .on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs} ms`);
}

/** User settings that keep the workbench quiet and deterministic for screenshots. */
export const quietSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.preferredDarkColorTheme': 'Default Dark Modern',
  'workbench.preferredLightColorTheme': 'Default Light Modern',
  'window.commandCenter': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.enabled': false,
};

/** Installs the .vsix (`extension`, dist/runtime-lens.vsix by default) into a fresh profile and returns the profile's directories. */
export function prepareProfile(prefix: string, root: string, settings: Record<string, unknown>, more: string[] = [], extension = vsix): { userData: string; extensions: string } {
  const userData = path.join(root, 'user-data');
  const extensions = path.join(root, 'extensions');
  fs.mkdirSync(extensions, { recursive: true });
  // code-server runs the extension host as a remote: machine-scoped settings (runtimeLens.sourceRoots)
  // are read from the Machine settings, the rest from User.
  for (const scope of ['User', 'Machine']) {
    fs.mkdirSync(path.join(userData, scope), { recursive: true });
    fs.writeFileSync(path.join(userData, scope, 'settings.json'), JSON.stringify({ ...quietSettings, ...settings }, null, 2));
  }
  const cs = codeServerCommand(prefix);
  for (const ext of [extension, ...more]) {
    execFileSync(cs.node, [cs.entry, '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', ext], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
  return { userData, extensions };
}

/**
 * Writes the language-pack cache (languagepacks.json in the user data) that VS Code writes when a pack is
 * installed from its UI; code-server's `--install-extension` does not, and without it `--locale` falls
 * back to English. The shape is VS Code's own (LanguagePackCachedData): per language, the pack's
 * extension and the file translating the workbench.
 */
function registerLanguagePack(profile: { userData: string; extensions: string }, locale: string): void {
  const dir = fs.readdirSync(profile.extensions).find((d) => d.startsWith(`runtime-lens-tests.test-language-pack-${locale}-`));
  if (!dir) throw new Error(`the ${locale} language pack is not installed in ${profile.extensions}`);
  const id = dir.replace(/-\d+\.\d+\.\d+$/, '');
  fs.writeFileSync(path.join(profile.userData, 'languagepacks.json'), JSON.stringify({
    [locale]: {
      hash: `${id}-${locale}`,
      extensions: [{ extensionIdentifier: { id }, version: '0.0.1' }],
      translations: { vscode: path.join(profile.extensions, dir, 'translations', 'main.i18n.json') },
      label: locale,
    },
  }));
}

export async function openVsCode(options: SessionOptions): Promise<VsCodeSession> {
  const extension = options.vsix ?? vsix;
  if (!fs.existsSync(extension)) throw new Error(`${extension} is missing: run \`npm run package\` first`);
  const prefix = provisionCodeServer();
  const outDir = path.join(testOutput, 'e2e', options.name);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const workspace = path.join(outDir, 'workspace');
  fs.cpSync(path.join(repoRoot, 'samples', options.sample), workspace, { recursive: true });
  const sources = options.goSources ? debianSources() : undefined;
  const roots = options.upstreamTrees
    ? [...options.upstreamTrees.map((t) => upstreamSources().tree(t)), debianSources().kubernetes]
    : sources
      ? [sources.checkouts, sources.gocode]
      : null;
  const settings = { ...(roots ? { 'runtimeLens.sourceRoots': roots, 'runtimeLens.includeSystemSources': false } : {}), ...options.settings };
  const profile = prepareProfile(prefix, path.join(outDir, 'profile'), settings, options.locale ? [languagePackVsix(options.locale)] : [], extension);
  if (options.locale) registerLanguagePack(profile, options.locale);

  const port = await freePort();
  const cs = codeServerCommand(prefix);
  const serverLog = fs.openSync(path.join(outDir, 'code-server.log'), 'w');
  const server = spawn(
    cs.node,
    [
      cs.entry,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      ...(options.locale ? ['--locale', options.locale] : []),
      '--user-data-dir', profile.userData,
      '--extensions-dir', profile.extensions,
      workspace,
    ],
    { stdio: ['ignore', serverLog, serverLog], detached: true },
  );
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    if (server.exitCode === null && server.pid) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    fs.closeSync(serverLog);
  };
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000, server);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', ...(options.browserArgs ?? [])],
    });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // Under load (a shared 2-core machine) the workbench page can take more than the default 30 s.
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`, { timeout: 120_000 });
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The explorer is ready once the workspace's files are listed.
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    let step = 0;
    const session: VsCodeSession = {
      page,
      workspace,
      outDir,
      async screenshot(name) {
        step += 1;
        const file = path.join(outDir, `${String(step).padStart(2, '0')}-${name}.png`);
        await page.screenshot({ path: file });
        return file;
      },
      async runCommand(title) {
        await pickFromQuickInput(page, 'F1', `>${title}`, title);
      },
      async diagnoseWorkspace() {
        await session.runCommand('Runtime Lens: Diagnose');
        await page.locator('.quick-input-list .monaco-list-row', { hasText: "The workspace's logs" }).first().click();
      },
      extensionLog() {
        const found: string[] = [];
        const walk = (d: string) => {
          for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name === 'Runtime Lens.log') found.push(p);
          }
        };
        walk(path.join(outDir, 'profile'));
        return found.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
      },
      async openFile(relativePath) {
        await pickFromQuickInput(page, 'Control+P', relativePath, path.basename(relativePath));
        await page.locator(`.tab[data-resource-name="${path.basename(relativePath)}"]`).waitFor();
      },
      webview(extensionId = 'runtime-lens.runtime-lens') {
        // Found by the extension that owns it: the walkthrough's Markdown pages are webviews too, of no extension.
        return page.frameLocator(`iframe.webview.ready[src*="extensionId=${extensionId}"]`).frameLocator('iframe#active-frame');
      },
      setSetting(key, value) {
        const file = path.join(profile.userData, 'User', 'settings.json');
        const current = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
        fs.writeFileSync(file, JSON.stringify({ ...current, [key]: value }, null, 2));
      },
      close: stop,
    };
    return session;
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Opens a quick input (palette, Quick Open), types, and accepts the row that shows `rowText`. The
 * workbench keeps restoring for a few seconds after it first paints, and a palette opened then can
 * miss late-registered commands, so it closes and retries until the row appears.
 */
async function pickFromQuickInput(page: Page, key: string, value: string, rowText: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: rowText }).first();
  for (;;) {
    await page.keyboard.press(key);
    try {
      await input.waitFor({ timeout: 5_000 });
      // Short: a quick input that closed again (focus taken back by a webview) is retried, not waited on.
      await input.fill(value, { timeout: 5_000 });
      await row.waitFor({ timeout: 5_000 });
      await page.keyboard.press('Enter');
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await page.keyboard.press('Escape');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Hovers `x` pixels into `line` (a view line) until `hover` shows text matching `pattern`; returns the
 * text. As a user does when no hover comes up: the pointer leaves and comes back every few seconds. Monaco
 * drops a hover that was asked for while the line was still being laid out or decorated (a busy
 * extension host, a Go to Line that scrolls), and a pointer that stays still never asks again: on a
 * loaded machine a single move left one test waiting 30 s for a hover that never came.
 */
export async function hoverText(page: Page, line: Locator, x: number, hover: Locator, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const box = await line.boundingBox();
    if (!box) throw new Error('hoverText: the line is not on screen');
    await page.mouse.move(5, 5);
    await page.mouse.move(box.x + x, box.y + box.height / 2);
    try {
      return await waitForText(hover, pattern, Math.min(5_000, Math.max(1, deadline - Date.now())));
    } catch (e) {
      if (Date.now() >= deadline) throw e;
    }
  }
}

/** Polls a locator's text until it matches (the workbench renders asynchronously); returns the text. */
export async function waitForText(locator: Locator, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    // Monaco renders spaces as U+00A0 in its view lines.
    text = ((await locator.first().innerText().catch(() => '')) ?? '').replace(/\u00a0/g, ' ');
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} in: ${text.slice(0, 500)}`);
}
