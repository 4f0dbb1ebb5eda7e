import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, test } from 'node:test';
import type { Frame } from 'playwright-core';
import { repoRoot, testOutput } from '../harness/paths';
import { type VsCodeSession, openVsCode } from '../harness/vscode';

// The extension's page (its README) and its screenshot. VS Code shows an installed extension's README as
// packaged and renders an image there only from an https address (CONTRIBUTING.md, "The extension page"):
// packaged with RUNTIME_LENS_IMAGES_URL (src/build/package.mjs: vsce --baseImagesUrl), the README's
// media/screenshot.png is served from there and loads; packaged without, the README leaves it out rather
// than show a broken image.
let vs: VsCodeSession | undefined;
let server: https.Server | undefined;
const served: string[] = [];

after(async () => {
  await vs?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

const ALT = 'The diagnosis panel next to a kubelet log';

/** The frame that shows the README on the extension page, once its text is there. */
async function readmeFrame(session: VsCodeSession): Promise<Frame> {
  await session.runCommand('Extensions: Show Installed Extensions');
  await session.page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'Runtime Lens' }).first().click();
  await session.page.locator('.extension-editor').waitFor({ timeout: 30_000 });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    for (const frame of session.page.frames()) {
      const body = await frame.evaluate(() => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText).catch(() => '');
      if (/Runtime Lens is a VS Code extension/.test(body)) return frame;
    }
    await session.page.waitForTimeout(500);
  }
  throw new Error('the README did not show on the extension page');
}

interface Img {
  src: string | null;
  complete: boolean;
  naturalWidth: number;
}

async function screenshotImage(frame: Frame): Promise<Img | null> {
  return frame.evaluate((alt) => {
    const img = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(a: string): string | null; complete: boolean; naturalWidth: number; scrollIntoView(): void } | null } }).document.querySelector(`img[alt="${alt}"]`);
    if (!img) return null;
    img.scrollIntoView();
    return { src: img.getAttribute('src'), complete: img.complete, naturalWidth: img.naturalWidth };
  }, ALT);
}

test('packaged with an https base for its images, the extension page shows the README\'s screenshot', async () => {
  // Beside the session's folder, which openVsCode empties.
  const dir = path.join(testOutput, 'e2e', 'extension-page-https-package');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // A certificate for 127.0.0.1, made here; Chromium is told to accept it.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, (req, res) => {
    served.push(req.url ?? '');
    const file = path.join(repoRoot, decodeURIComponent((req.url ?? '/').split('?')[0]!));
    if (!file.startsWith(path.join(repoRoot, 'media') + path.sep) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'image/png' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  // `npm run package`'s packaging step, with the images' address (dist/ is built by the e2e run's own package step).
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts.package, 'npm run build && node src/build/package.mjs');
  const vsix = path.join(dir, 'runtime-lens.vsix');
  execFileSync(process.execPath, [path.join(repoRoot, 'src', 'build', 'package.mjs')], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUNTIME_LENS_IMAGES_URL: base, RUNTIME_LENS_VSIX: vsix },
  });

  vs = await openVsCode({ name: 'extension-page-https', sample: 'eof-incident', vsix, browserArgs: ['--ignore-certificate-errors'] });
  const frame = await readmeFrame(vs);
  let img = await screenshotImage(frame);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !(img?.complete && img.naturalWidth > 0)) {
    await vs.page.waitForTimeout(250);
    img = await screenshotImage(frame);
  }
  assert.equal(img?.src, `${base}media/screenshot.png`);
  assert.ok(img.complete && img.naturalWidth > 0, JSON.stringify(img));
  assert.ok(served.includes('/media/screenshot.png'), served.join(' '));
  await vs.screenshot('extension-page-with-screenshot');
});

test('packaged without an https base (the default: no public repository), the page shows the README without a broken image', async () => {
  await vs?.close();
  vs = await openVsCode({ name: 'extension-page-default', sample: 'eof-incident' });
  const frame = await readmeFrame(vs);
  // A relative source would be dropped by VS Code's sanitizer and leave a broken image: the package leaves it out.
  assert.equal(await screenshotImage(frame), null);
  assert.equal(await frame.evaluate(() => (globalThis as unknown as { document: { images: { length: number } } }).document.images.length), 0);
  const text = await frame.evaluate(() => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText);
  assert.match(text, /with a report you can paste into the incident ticket\.\s+Get started/);
  await vs.screenshot('extension-page-default');
});
