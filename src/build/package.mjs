// Packages the extension (dist/ already built) into dist/runtime-lens.vsix, or $RUNTIME_LENS_VSIX.
//
// VS Code shows an installed extension's README as packaged and renders an image there only from an
// https address (CONTRIBUTING.md, "The extension page and its screenshot"). With RUNTIME_LENS_IMAGES_URL
// (where media/ is published over https) vsce rewrites the README's relative images to it. Without one
// (Runtime Lens has no public repository yet) the packaged README leaves its relative images out: the
// page would show each as a broken image. The README in the repository keeps them either way.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const images = process.env.RUNTIME_LENS_IMAGES_URL;
const out = process.env.RUNTIME_LENS_VSIX || path.join('dist', 'runtime-lens.vsix');
const args = ['package', '--no-dependencies', '--allow-missing-repository', '-o', out];
if (images) {
  if (!/^https:\/\//.test(images)) throw new Error(`RUNTIME_LENS_IMAGES_URL must be an https address (VS Code shows no other): ${images}`);
  args.push('--baseImagesUrl', images, '--readme-path', 'README.md');
} else {
  // A Markdown image on a line of its own whose address is relative, and the blank line after it.
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8').replace(/^!\[[^\]]*\]\((?![a-z][a-z0-9+.-]*:)[^)\s]+\)\n(\n)?/gm, '');
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(root, 'dist', 'README.md'), readme);
  args.push('--no-rewrite-relative-links', '--readme-path', path.join('dist', 'README.md'));
}
execFileSync(path.join(root, 'node_modules', '.bin', 'vsce'), args, { cwd: root, stdio: 'inherit' });
