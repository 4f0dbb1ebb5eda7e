import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, testOutput } from './paths';

/**
 * VS Code shows a display language only when a language pack for it is installed: without one,
 * code-server's `--locale zh-cn` falls back to English for the workbench and for every extension.
 * The Marketplace's packs cannot be fetched here, so the e2e tests build the smallest real pack — a
 * `contributes.localizations` entry whose translation of the workbench is empty — and install it
 * beside the .vsix. VS Code then runs in that language: Runtime Lens gets package.nls.<locale>.json
 * and l10n/bundle.l10n.<locale>.json as it would under the real pack, while the workbench's own
 * words stay English (each message missing from a pack falls back to its default).
 */
export function languagePackVsix(locale: string): string {
  const dir = path.join(testOutput, 'language-packs', locale);
  const vsix = path.join(testOutput, 'language-packs', `${locale}.vsix`);
  if (fs.existsSync(vsix)) return vsix;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'translations'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: `test-language-pack-${locale}`,
    displayName: `Language pack ${locale} (tests)`,
    description: `An empty ${locale} translation of the workbench, so that VS Code runs in ${locale} for the e2e tests.`,
    publisher: 'runtime-lens-tests',
    version: '0.0.1',
    license: 'MIT',
    engines: { vscode: '^1.99.0' },
    categories: ['Language Packs'],
    contributes: { localizations: [{ languageId: locale, languageName: locale, localizedLanguageName: locale, translations: [{ id: 'vscode', path: './translations/main.i18n.json' }] }] },
  }, null, 2));
  fs.writeFileSync(path.join(dir, 'translations', 'main.i18n.json'), JSON.stringify({ version: '1.0.0', contents: {} }));
  fs.writeFileSync(path.join(dir, 'README.md'), `# ${locale} for the Runtime Lens e2e tests\n\nSee test/harness/languagePack.ts.\n`);
  execFileSync(path.join(repoRoot, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return vsix;
}
