import * as path from 'node:path';
import { repoRoot } from './paths';
import { openVsCode } from './vscode';

// Regenerates media/screenshot.png, the picture on the extension's page: the sample incident's kubelet
// log beside the diagnosis panel, the Runtime Lens container open on its Findings. Run after
// `npm run package && npm run test:compile`: node out/test/harness/screenshot.js
async function main(): Promise<void> {
  const vs = await openVsCode({ name: 'readme-screenshot', sample: 'eof-incident', settings: { 'runtimeLens.includeSystemSources': false } });
  try {
    await vs.page.setViewportSize({ width: 1280, height: 800 });
    await vs.openFile('kubelet.log');
    await vs.page.locator('.activitybar .action-item a[aria-label^="Runtime Lens"]').click();
    await vs.page.locator('.pane', { hasText: 'Findings' }).locator('.monaco-list-row[aria-level="3"]').first().waitFor({ timeout: 90_000 });
    await vs.runCommand('Runtime Lens: Diagnose');
    await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: "The workspace's logs" }).first().waitFor();
    await vs.page.keyboard.press('Enter');
    await vs.webview().locator('#verdict-cause[data-cause="cpu-manager-state-race"]').waitFor({ timeout: 90_000 });
    await vs.page.waitForTimeout(1000);
    await vs.page.screenshot({ path: path.join(repoRoot, 'media', 'screenshot.png') });
  } finally {
    await vs.close();
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
